import { stepUtils } from "@web_tour/tour_service/tour_utils";

// From the home menu to a top menu of the CRM app (e.g. Complaints).
export function openCrmMenuSteps(menuXmlid, content) {
    return [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content,
            trigger: `[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
}

// From the home menu to an entry of CRM > Sales (e.g. My Day).
export function openSalesMenuSteps(menuXmlid, content) {
    return [
        ...stepUtils.goToAppSteps("crm.crm_menu_root", "Open the CRM app"),
        {
            content: "Open the Sales menu",
            trigger: 'button[data-menu-xmlid="crm.crm_menu_sales"]',
            run: "click",
        },
        {
            content,
            trigger: `a[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
    ];
}

// From the home menu to CRM > Sales > Customers, where the profiles are listed.
export function openCustomersSteps() {
    return openSalesMenuSteps("crm.res_partner_menu_customer", "Open Customers");
}
