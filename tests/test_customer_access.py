"""P9: own / team / all access to customer profiles, over the ORM and JSON-RPC."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import users
from odoo.tools import mute_logger

from .common import (
    CrmStandardProcessCase,
    CrmStandardProcessHttpCase,
    JsonRpcMatrixMixin,
    PermissionMatrixMixin,
)

CUSTOMERS = [
    "customer_rep",
    "customer_teammate",
    "customer_other_team",
    "customer_unassigned",
]
# role -> customer -> the operations allowed: r(ead) w(rite) c(reate) u(nlink);
# deleting partners stays Odoo's own "Contact Creation" right, which none has.
EXPECTED = {
    "csp_rep": {
        "customer_rep": "rwc",
        "customer_teammate": "",
        "customer_other_team": "",
        "customer_unassigned": "rwc",
    },
    "csp_team_manager": {
        "customer_rep": "rwc",
        "customer_teammate": "rwc",
        "customer_other_team": "",
        "customer_unassigned": "rwc",
    },
    "csp_all_documents": dict.fromkeys(CUSTOMERS, "rwc"),
    "csp_sales_admin": dict.fromkeys(CUSTOMERS, "rwc"),
}


def make_customers(env, owners):
    """One active customer, with a contact, per owner (False: unassigned)."""
    return {
        key: env["res.partner"].create(
            {
                "name": f"Customer of {key}",
                "is_company": True,
                "profile_state": "active",
                "user_id": user.id,
                "team_id": user.sale_team_id.id,
                "child_ids": [Command.create({"name": f"Buyer at {key}"})],
            }
        )
        for key, user in owners.items()
    }


class TestCustomerAccess(PermissionMatrixMixin, CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = make_customers(
            cls.env,
            {
                "customer_rep": cls.rep,
                "customer_teammate": cls.rep_teammate,
                "customer_other_team": cls.rep_other,
                "customer_unassigned": cls.env["res.users"],
            },
        )
        for key, customer in customers.items():
            setattr(cls, key, customer)

    def _observed(self, customer):
        customer = customer.with_user(self.env.user)
        owner = customer.sudo().user_id
        checks = {
            "r": lambda: customer.read(["name", "customer_grade"]),
            "w": lambda: customer.write({"main_business": "Machine tools"}),
            "c": lambda: customer.create(
                {
                    "name": "New customer",
                    "is_company": True,
                    "profile_state": "draft",
                    "user_id": owner.id,
                    "team_id": owner.sale_team_id.id,
                }
            ),
            "u": lambda: customer.unlink(),
        }
        return self._allowed_operations(checks)

    def _assert_matrix(self):
        expected = EXPECTED[self.env.user.login]
        observed = {key: self._observed(getattr(self, key)) for key in expected}
        self.assertEqual(observed, expected)

    @users("csp_rep")
    def test_rep_reaches_own_and_unassigned_customers_only(self):
        """A rep works on their own and unassigned customers, no others."""
        self._assert_matrix()

    @users("csp_team_manager")
    def test_team_manager_reaches_the_customers_of_their_team(self):
        """A team manager also works on the customers of the team they lead."""
        self._assert_matrix()

    @users("csp_all_documents")
    def test_all_documents_user_reaches_every_customer(self):
        """An "All Documents" user works on every customer."""
        self._assert_matrix()

    @users("csp_sales_admin")
    def test_sales_admin_reaches_every_customer(self):
        """A sales admin works on every customer."""
        self._assert_matrix()

    @users("csp_rep")
    def test_contacts_follow_their_company(self):
        """A contact of a customer the rep cannot see is hidden too."""
        Partner = self.env["res.partner"]
        visible = Partner.search([("parent_id", "!=", False)])
        self.assertIn(self.customer_rep.child_ids, visible)
        self.assertNotIn(self.customer_other_team.child_ids, visible)

    @users("csp_rep")
    def test_partners_outside_the_process_stay_readable(self):
        """Colleagues, the company, portal users and plain contacts stay readable."""
        portal = new_test_user(
            self.env(su=True), "csp_portal", groups="base.group_portal"
        )
        plain = self.env["res.partner"].sudo().create({"name": "Plain contact"})
        others = (
            self.rep_other.partner_id
            | self.env.company.partner_id
            | portal.partner_id
            | plain
        )
        others.with_user(self.env.user).read(["name", "email"])

    @mute_logger("odoo.models")
    def test_another_group_cannot_widen_the_rule(self):
        """A permissive partner rule of another group does not widen a rep's view."""
        wide = self.env["res.groups"].create({"name": "Sees every partner"})
        self.env["ir.rule"].create(
            {
                "name": "All partners",
                "model_id": self.env.ref("base.model_res_partner").id,
                "groups": [Command.link(wide.id)],
                "domain_force": "[(1, '=', 1)]",
            }
        )
        self.rep.groups_id |= wide
        with self.assertRaises(AccessError):
            self.customer_other_team.with_user(self.rep).read(["name"])

    @users("csp_rep")
    def test_rep_creates_a_lead_with_a_new_customer(self):
        """CRM keeps working: a lead with a new customer, its chatter, a mention."""
        lead = self.env["crm.lead"].create(
            {
                "name": "Needs ten lathes",
                "type": "opportunity",
                "partner_name": "Brand New Industries",
                "contact_name": "Mr. Zhou",
                "email_from": "zhou@brandnew.cn",
            }
        )
        lead._handle_partner_assignment(create_missing=True)
        self.assertTrue(lead.partner_id)
        self.assertFalse(lead.partner_id.commercial_partner_id.profile_state)
        lead.message_post(
            body="Asking @colleague for the price list",
            partner_ids=self.rep_teammate.partner_id.ids,
        )
        self.assertEqual(lead.message_ids[0].partner_ids, self.rep_teammate.partner_id)

    @users("csp_rep")
    def test_rep_pipeline_shows_leads_of_unassigned_customers(self):
        """A rep's lead on an unassigned customer shows the customer's name."""
        lead = self.lead_rep.with_user(self.env.user)
        lead.sudo().partner_id = self.customer_unassigned
        result = lead.web_read({"partner_id": {"fields": {"display_name": {}}}})
        self.assertEqual(
            result[0]["partner_id"]["display_name"], self.customer_unassigned.name
        )


@tagged("post_install", "-at_install")
class TestCustomerAccessJsonRpc(JsonRpcMatrixMixin, CrmStandardProcessHttpCase):
    """The same matrix through the web client's JSON-RPC endpoint."""

    rpc_model = "res.partner"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.rep = new_test_user(
            env, "csp_rpc_rep", groups="sales_team.group_sale_salesman"
        )
        rep_other = new_test_user(
            env, "csp_rpc_rep_other", groups="sales_team.group_sale_salesman"
        )
        cls.team_manager = new_test_user(
            env,
            "csp_rpc_team_manager",
            groups="crm_standard_process.group_sale_team_manager",
        )
        cls.sales_admin = new_test_user(
            env, "csp_rpc_sales_admin", groups="sales_team.group_sale_manager"
        )
        Team = env["crm.team"]
        Team.create(
            {
                "name": "RPC East",
                "user_id": cls.team_manager.id,
                "member_ids": [Command.set(cls.rep.ids)],
            }
        )
        Team.create({"name": "RPC North", "member_ids": [Command.set(rep_other.ids)]})
        cls.customers = make_customers(
            env,
            {
                "own": cls.rep,
                "other_team": rep_other,
                "unassigned": env["res.users"],
            },
        )

    def test_matrix_over_json_rpc(self):
        """Each role reads and writes over JSON-RPC exactly what the ORM allows."""
        expected = {
            "csp_rpc_rep": {"own", "unassigned"},
            "csp_rpc_team_manager": {"own", "unassigned"},
            "csp_rpc_sales_admin": {"own", "other_team", "unassigned"},
        }
        for login, reachable in expected.items():
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self._visible(self.customers), reachable)
                self.assertEqual(
                    self._writable(self.customers, {"main_business": "Lathes"}),
                    reachable,
                )

    def test_review_fields_are_not_writable_over_json_rpc(self):
        """A rep cannot change the review's own fields by writing them over
        JSON-RPC; a sales admin still corrects them."""
        own = {"own": self.customers["own"]}
        self.authenticate("csp_rpc_rep", "csp_rpc_rep")
        for values in (
            {"profile_state": "draft"},
            {"archive_number": "B2B-2026-900"},
            {"confirmed_grade": "a"},
        ):
            with self.subTest(values=values):
                self.assertEqual(self._writable(own, values), set())
        self.assertEqual(self.customers["own"].profile_state, "active")
        self.authenticate("csp_rpc_sales_admin", "csp_rpc_sales_admin")
        self.assertEqual(
            self._writable(own, {"archive_number": "B2B-2026-900"}), {"own"}
        )
