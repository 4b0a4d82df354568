import { registry } from "@web/core/registry";
import { openSalesMenuSteps } from "@crm_standard_process/../tests/tours/tour_utils";

// A rep starts from "My Day": the draft to complete is one click away, its
// follow-up tab says who gets the follow-ups, and it goes to review.
registry.category("web_tour.tours").add("crm_standard_process_my_day_tour", {
    url: "/odoo",
    steps: () => [
        ...openSalesMenuSteps("crm_standard_process.res_users_menu_my_day", "Open My Day"),
        {
            content: "One profile to complete",
            trigger: 'a[data-desk-item="draft"]:contains("1")',
            run: "click",
        },
        {
            content: "Open the draft",
            trigger: '.o_list_view .o_data_row:contains("Tour Day Draft") td[name=complete_name]',
            run: "click",
        },
        {
            content: "Open the Follow-up tab",
            trigger: 'a.nav-link:contains("Follow-up")',
            run: "click",
        },
        {
            content: "The grade-A follow-ups will reach the rep, its account manager",
            trigger: '.o_field_widget[name=followup_user_role]:contains("Account manager")',
        },
        {
            content: "Submit for review",
            trigger: 'button[name="action_submit_review"]',
            run: "click",
        },
        {
            content: "The profile waits for review",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("To Review")',
        },
    ],
});
