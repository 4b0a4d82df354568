import { registry } from "@web/core/registry";
import { openCustomersSteps } from "@crm_standard_process/../tests/tours/tour_utils";

// A team manager finds a customer waiting for review and activates it.
registry.category("web_tour.tours").add("crm_standard_process_activate_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersSteps(),
        {
            content: "Search the customer",
            trigger: ".o_searchview_input",
            run: "edit Tour Review Works",
        },
        {
            content: "Run the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the customer waiting for review",
            trigger: '.o_kanban_record:contains("Tour Review Works")',
            run: "click",
        },
        {
            content: "It waits for review",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("To Review")',
        },
        {
            content: "The reviewer sees what is missing",
            trigger: '.alert-warning.o_crm_review_warning:contains("Not verified")',
        },
        {
            content: "Activate it",
            trigger: 'button[name="action_activate"]',
            run: "click",
        },
        {
            content: "Confirm the activation despite the open items",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The customer is active",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("Active")',
        },
        {
            content: "It has its archive number",
            trigger: '.o_field_widget[name=archive_number]:contains("B2B-")',
        },
    ],
});
