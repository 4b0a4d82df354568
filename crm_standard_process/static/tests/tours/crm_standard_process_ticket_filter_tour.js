import { registry } from "@web/core/registry";
import { openCrmMenuSteps } from "@crm_standard_process/../tests/tours/tour_utils";

// "At Risk" narrows the default "Open" filter instead of adding to it.
registry.category("web_tour.tours").add("crm_standard_process_ticket_filter_tour", {
    url: "/odoo",
    steps: () => [
        ...openCrmMenuSteps("crm_standard_process.crm_complaint_ticket_menu", "Open Complaints"),
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Both tour tickets are open",
            trigger: '.o_list_view .o_data_row:contains("Tour ticket on track")',
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the tickets at risk",
            trigger: '.o_filter_menu .o_menu_item:contains("At Risk")',
            run: "click",
        },
        {
            content: "Open and At Risk are two facets: they narrow each other",
            trigger: '.o_searchview_facet:contains("At Risk"):not(:contains("Open"))',
        },
        {
            content: "The ticket at risk is listed",
            trigger: '.o_list_view .o_data_row:contains("Tour ticket at risk")',
        },
        {
            content: "The ticket on track is gone",
            trigger: '.o_list_view:not(:has(.o_data_row:contains("Tour ticket on track")))',
        },
    ],
});
