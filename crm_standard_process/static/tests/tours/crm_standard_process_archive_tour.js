import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import {
    openCustomersSteps,
    openSalesMenuSteps,
} from "@crm_standard_process/../tests/tours/tour_utils";

// A team manager archives a customer of the team with a reason.
registry.category("web_tour.tours").add("crm_standard_process_archive_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersSteps(),
        {
            content: "Search the customer",
            trigger: ".o_searchview_input",
            run: "edit Tour Archive Works",
        },
        {
            content: "Run the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the customer",
            trigger: '.o_kanban_record:contains("Tour Archive Works")',
            run: "click",
        },
        {
            content: "Archive it",
            trigger: 'button[name="action_open_archive_wizard"]',
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".modal .o_field_widget[name=reason_id] input",
            run: "edit Project",
        },
        {
            content: "Pick Project Closed",
            trigger: '.o-autocomplete--dropdown-item a:contains("Project Closed")',
            run: "click",
        },
        {
            content: "Confirm the archiving",
            trigger: '.modal button[name="action_confirm"]:contains("Archive")',
            run: "click",
        },
        {
            content: "The customer is archived, with its reason",
            trigger: '.alert:contains("Archived"):contains("Project Closed")',
        },
    ],
});

// The sales admin places a legal hold on an archived customer.
registry.category("web_tour.tours").add("crm_standard_process_legal_hold_tour", {
    url: "/odoo",
    steps: () => [
        ...openSalesMenuSteps(
            "crm_standard_process.res_partner_menu_archived_customers",
            "Open the archived customers"
        ),
        {
            content: "Open the customer",
            trigger: '.o_data_row:contains("Tour Hold Works") .o_data_cell',
            run: "click",
        },
        {
            content: "Open the Archive & Retention tab",
            trigger: 'a.nav-link:contains("Archive & Retention")',
            run: "click",
        },
        {
            content: "Place a legal hold",
            trigger: ".o_field_widget[name=legal_hold] input",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".o_field_widget[name=legal_hold_reason] input",
            run: "edit Warranty claim before the Shanghai court",
        },
        ...stepUtils.saveForm(),
        {
            content: "The customer is under legal hold",
            trigger: '.alert:contains("Under legal hold"):contains("Warranty claim")',
        },
    ],
});
