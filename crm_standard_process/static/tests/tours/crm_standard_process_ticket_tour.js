import { registry } from "@web/core/registry";
import { openCrmMenuSteps } from "@crm_standard_process/../tests/tours/tour_utils";

// A rep opens a new complaint of their customer and starts handling it.
registry.category("web_tour.tours").add("crm_standard_process_ticket_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmMenuSteps("crm_standard_process.crm_complaint_ticket_menu", "Open Complaints"),
        {
            content: "Open the new complaint",
            trigger: '.o_kanban_record:contains("Tour gearbox noise")',
            run: "click",
        },
        {
            content: "Its response clock runs",
            trigger: '.o_field_widget[name=sla_status]:contains("On Track")',
        },
        {
            content: "Start handling it",
            trigger: 'button[name="action_start"]',
            run: "click",
        },
        {
            content: "It is in progress",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("In Progress")',
        },
    ],
});
