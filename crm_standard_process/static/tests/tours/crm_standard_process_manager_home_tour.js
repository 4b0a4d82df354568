import { registry } from "@web/core/registry";
import { openSalesMenuSteps } from "@crm_standard_process/../tests/tours/tour_utils";

// A team manager starts from their home: the profile to review is one click
// away, the missing verification shows, and the activation asks first.
registry.category("web_tour.tours").add("crm_standard_process_manager_home_tour", {
    url: "/odoo",
    steps: () => [
        ...openSalesMenuSteps("crm_standard_process.crm_team_menu_desk", "Open the manager's home"),
        {
            content: "The team's card counts one profile to review",
            trigger: '.o_kanban_record:contains("Tour Desk Team") a[data-desk-item="review"]:contains("1")',
        },
        {
            content: "Open the profiles to review",
            trigger: '.o_kanban_record:contains("Tour Desk Team") a[data-desk-item="review"]',
            run: "click",
        },
        {
            content: "The list holds the profile waiting for review",
            trigger: '.o_list_view .o_data_row:contains("Tour Desk Works") td[name=complete_name]',
            run: "click",
        },
        {
            content: "The missing verification shows above the form",
            trigger: '.alert-warning.o_crm_review_warning:contains("Not verified")',
        },
        {
            content: "Activate",
            trigger: 'button[name="action_activate"]',
            run: "click",
        },
        {
            content: "Confirm despite the open items",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The customer is active",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("Active")',
        },
    ],
});
