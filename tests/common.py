"""The fixture every test of the project starts from.

::

    East China Key Accounts (team_east)      North China SMB (team_north)
      leader:  team_manager                    leader:  sales_admin
      members: rep, rep_teammate               members: rep_other
      leads:   lead_rep, lead_teammate,        leads:   lead_other_team
               lead_team_manager
                                 lead_unassigned (no owner, no team)

    all_documents: "User: All Documents", in no team
    sales_admin:   "Administrator" of Sales

Tests outside ``odoo.addons.*`` get no ``test_module``/``test_tags`` from
Odoo's MetaCase; ``AddonTestMixin`` sets them once for every test class.
"""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests.common import HttpCase, JsonRpcException, TransactionCase, new_test_user
from odoo.tools import mute_logger

ADDON = "crm_standard_process"
TEAM_MANAGER_GROUP = f"{ADDON}.group_sale_team_manager"


def complete_draft_customer(env, name, owner, **values):
    """A draft customer of ``owner``'s team with every key field filled: a
    need type, a source and a contact; ready to be submitted for review."""
    return (
        env["res.partner"]
        .with_context(default_profile_state="draft")
        .create(
            {
                "name": name,
                "is_company": True,
                "user_id": owner.id,
                "team_id": owner.sale_team_id.id,
                "need_type_id": env.ref(f"{ADDON}.need_type_equipment").id,
                "source_id": env.ref("utm.utm_source_search_engine").id,
                "child_ids": [Command.create({"name": f"Buyer of {name}"})],
                **values,
            }
        )
    )


class AddonTestMixin:
    test_module = ADDON
    test_tags = {"standard", "at_install", ADDON}

    def _run_regrade(self, via_xmlid=False, batch_size=None):
        """Run the re-grade job after a threshold change (by its method, or
        through its cron record) until no re-grade is pending; returns how
        many calls it took."""
        Company = self.env["res.company"].sudo()
        for calls in range(50):
            if not Company.search_count([("regrade_state", "!=", False)]):
                return calls
            if via_xmlid:
                self.env.ref(f"{ADDON}.ir_cron_regrade").method_direct_trigger()
            elif batch_size:
                Company._cron_regrade(batch_size=batch_size)
            else:
                Company._cron_regrade()
        raise AssertionError("the re-grade job did not end in 50 calls")


class CrmStandardProcessCase(AddonTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

        def user(login, groups):
            return new_test_user(cls.env, login=login, groups=groups)

        cls.rep = user("csp_rep", "sales_team.group_sale_salesman")
        cls.rep_teammate = user("csp_rep_teammate", "sales_team.group_sale_salesman")
        cls.rep_other = user("csp_rep_other", "sales_team.group_sale_salesman")
        cls.team_manager = user("csp_team_manager", TEAM_MANAGER_GROUP)
        cls.all_documents = user(
            "csp_all_documents", "sales_team.group_sale_salesman_all_leads"
        )
        cls.sales_admin = user("csp_sales_admin", "sales_team.group_sale_manager")

        Team = cls.env["crm.team"]
        cls.team_east = Team.create(
            {
                "name": "East China Key Accounts",
                "user_id": cls.team_manager.id,
                "member_ids": [(6, 0, (cls.rep | cls.rep_teammate).ids)],
            }
        )
        cls.team_north = Team.create(
            {
                "name": "North China SMB",
                "user_id": cls.sales_admin.id,
                "member_ids": [(6, 0, cls.rep_other.ids)],
            }
        )

        Lead = cls.env["crm.lead"]
        cls.lead_rep = Lead.create(cls._lead_values("rep", cls.rep, cls.team_east))
        cls.lead_teammate = Lead.create(
            cls._lead_values("teammate", cls.rep_teammate, cls.team_east)
        )
        cls.lead_team_manager = Lead.create(
            cls._lead_values("team manager", cls.team_manager, cls.team_east)
        )
        cls.lead_other_team = Lead.create(
            cls._lead_values("other team", cls.rep_other, cls.team_north)
        )
        cls.lead_unassigned = Lead.create(
            cls._lead_values("unassigned", cls.env["res.users"], cls.env["crm.team"])
        )

    @classmethod
    def _lead_values(cls, label, user, team):
        return {
            "name": f"Lead of {label}",
            "type": "opportunity",
            "user_id": user.id,
            "team_id": team.id,
        }


class CrmStandardProcessHttpCase(AddonTestMixin, HttpCase):
    pass


class PermissionMatrixMixin:
    """The operations a user may do on a record, spelt r(ead) w(rite)
    c(reate) u(nlink), as the permission matrices of the access tests read."""

    def _allowed(self, operation):
        """Whether ``operation`` runs without an AccessError (rolled back)."""
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.models"):
                operation()
                self.env.flush_all()
        except AccessError:
            return False
        return True

    def _allowed_operations(self, checks):
        """``checks`` maps r/w/c/u to an operation; the letters allowed."""
        return "".join(op for op, check in checks.items() if self._allowed(check))


class JsonRpcMatrixMixin:
    """The records a logged-in user reaches through the web client's JSON-RPC
    endpoint, for the matrices over ``/web/dataset/call_kw``."""

    rpc_model = None

    def _call(self, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{self.rpc_model}/{method}",
            {
                "model": self.rpc_model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def _visible(self, records_by_key):
        """The keys of the records a ``search_read`` returns."""
        ids = [record.id for record in records_by_key.values()]
        found = self._call("search_read", [[("id", "in", ids)]], {"fields": ["id"]})
        found_ids = {row["id"] for row in found}
        return {key for key, record in records_by_key.items() if record.id in found_ids}

    def _writable(self, records_by_key, values):
        """The keys of the records a ``write`` of ``values`` goes through for."""
        writable = set()
        for key, record in records_by_key.items():
            try:
                with mute_logger("odoo.http", "odoo.models"):
                    self._call("write", [record.ids, values])
            except JsonRpcException as error:
                # the message is the name of the server-side exception
                if str(error) != "odoo.exceptions.AccessError":
                    raise
            else:
                writable.add(key)
        return writable
