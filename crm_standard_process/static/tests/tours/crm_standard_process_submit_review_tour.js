import { registry } from "@web/core/registry";
import { openCustomersSteps } from "@crm_standard_process/../tests/tours/tour_utils";

// A rep enters a new customer profile with its key fields and submits it.
registry.category("web_tour.tours").add("crm_standard_process_submit_review_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersSteps(),
        {
            content: "Create a customer profile",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name the customer",
            trigger: ".o_form_sheet .oe_title .o_field_widget[name=name] input",
            run: "edit Tour Robotics Ltd",
        },
        {
            content: "A new profile opens on its Customer Profile tab",
            trigger: 'a.nav-link.active:contains("Customer Profile")',
        },
        {
            content: "Open the Contacts & Addresses tab",
            trigger: 'a.nav-link:contains("Contacts & Addresses")',
            run: "click",
        },
        {
            content: "Add a contact",
            trigger: ".o_field_widget[name=child_ids] .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name the contact",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Li Lei",
        },
        {
            content: "Save the contact",
            trigger: ".modal .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "Open the Customer Profile tab",
            trigger: 'a.nav-link:contains("Customer Profile")',
            run: "click",
        },
        {
            content: "Choose the need type",
            trigger: ".o_field_widget[name=need_type_id] input",
            run: "edit Equipment",
        },
        {
            content: "Pick Equipment Purchase",
            trigger: '.o-autocomplete--dropdown-item a:contains("Equipment Purchase")',
            run: "click",
        },
        {
            content: "Choose the source channel",
            trigger: ".o_field_widget[name=source_id] input",
            run: "edit Search",
        },
        {
            content: "Pick Search engine",
            trigger: '.o-autocomplete--dropdown-item a:contains("Search engine")',
            run: "click",
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
