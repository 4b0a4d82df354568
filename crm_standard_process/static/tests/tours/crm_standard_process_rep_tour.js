import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A rep opens CRM from the home menu, then a customer of theirs.
registry.category("web_tour.tours").add("crm_standard_process_rep_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM app",
            trigger: '.o_app[data-menu-xmlid="crm.crm_menu_root"]',
            run: "click",
        },
        {
            content: "The pipeline shows",
            trigger: ".o_kanban_renderer",
        },
        {
            content: "Open the Sales menu",
            trigger: '.o_main_navbar button:contains("Sales")',
            run: "click",
        },
        {
            content: "Open Customers",
            trigger: '.dropdown-item:contains("Customers")',
            run: "click",
        },
        {
            content: "Open the rep's customer",
            trigger: '.o_kanban_record:contains("Tour Customer Ltd")',
            run: "click",
        },
        {
            content: "The customer form shows its name",
            trigger: '.o_form_view .o_field_widget[name="name"] input:value("Tour Customer Ltd")',
        },
    ],
});
