import { stepUtils } from "@web_tour/tour_service/tour_utils";

// From the home menu to CRM > Sales > Customers, where the profiles are listed.
export function openCustomersSteps() {
    return [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "Open the Sales menu",
            trigger: 'button[data-menu-xmlid="crm.crm_menu_sales"]',
            run: "click",
        },
        {
            content: "Open Customers",
            trigger: 'a[data-menu-xmlid="crm.res_partner_menu_customer"]',
            run: "click",
        },
    ];
}
