def uninstall_hook(env):
    """Give CRM's Customers menu back its standard action."""
    menu = env.ref("crm.res_partner_menu_customer", raise_if_not_found=False)
    if menu:
        menu.action = env.ref("base.action_partner_form")
