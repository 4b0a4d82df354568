import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A team manager opens the monthly report, switches to the graph, filters
// by one of their reps and downloads the PDF of the rows.
registry.category("web_tour.tours").add("crm_standard_process_monthly_report_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "Open the Reporting menu",
            trigger: 'button[data-menu-xmlid="crm.crm_menu_report"]',
            run: "click",
        },
        {
            content: "Open the monthly report",
            trigger: 'a[data-menu-xmlid="crm_standard_process.crm_monthly_report_menu"]',
            run: "click",
        },
        {
            content: "The pivot shows the customers by grade and month",
            trigger: ".o_pivot_view .o_pivot_header_cell_opened",
        },
        {
            content: "Switch to the graph",
            trigger: "button.o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_view .o_graph_canvas_container canvas",
        },
        {
            content: "Search a salesperson",
            trigger: ".o_searchview_input",
            run: "edit Tour Rep Liu",
        },
        {
            content: "Filter on that salesperson",
            trigger: '.o_searchview_autocomplete .o_menu_item:contains("Salesperson")',
            run: "click",
        },
        {
            content: "The filter is applied",
            trigger: '.o_searchview_facet:contains("Tour Rep Liu")',
        },
        {
            content: "Switch to the list",
            trigger: "button.o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Only the rep's rows are listed",
            trigger: '.o_list_view .o_data_row:contains("Tour Rep Liu")',
        },
        {
            content: "Select all the rows",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the print menu",
            trigger: ".o_cp_action_menus button:has(.fa-print)",
            run: "click",
        },
        {
            content: "Download the PDF",
            trigger: '.o-dropdown-item:contains("Monthly CRM Report (PDF)")',
            run: "click",
        },
        {
            content: "The download is over",
            trigger: "body:not(:has(.o_blockUI)) .o_list_view",
        },
    ],
});
