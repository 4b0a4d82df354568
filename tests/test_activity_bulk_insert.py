"""mail.activity._create_in_bulk: the engine's activities in one INSERT give
what Odoo's ``create`` gives, column by column, with the same followers,
bus notice, dependent fields and compliance."""

from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.addons.crm_standard_process.models import mail_activity_bulk

from .followup_common import FollowupCase

# Friday 13 November: customer_b's weekly slot of 9-15 November is due today.
FRIDAY_9 = datetime(2026, 11, 13, 9, 0)
SLOT = (date(2026, 11, 9), date(2026, 11, 15))
# Set by the database for each row, never the same twice.
OWN_COLUMNS = {"id", "create_date", "write_date"}


class TestActivityBulkInsert(FollowupCase):
    def _followup_values(self, user, due=date(2026, 11, 13)):
        plan = self.plan_b
        texts = plan.with_context(lang=user.lang)._activity_texts()
        return plan._prepare_followup_values(self.customer_b, SLOT, due, user, texts)

    def _orm_create(self, vals_list):
        """The follow-ups as the engine created them before: Odoo's create."""
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(vals_list)
        )

    def _creation(self, create, vals_list):
        """What creating ``vals_list`` with ``create`` leaves, rolled back
        after: the rows, the customer's followers, its next follow-up date and
        compliance, the bus notices sent, and the follow-ups the customer's
        cached one2many sees without a fresh read."""
        customer = self.customer_b
        customer.fetch(["followup_activity_ids"])  # in cache before
        sent = []

        def bus_send(users, notification_type, message):
            sent.append((frozenset(users.ids), notification_type, str(message)))

        Users = type(self.env["res.users"])
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT bulk_creation")
        try:
            with (
                freeze_time(FRIDAY_9),
                patch.object(Users, "_bus_send", autospec=True, side_effect=bus_send),
            ):
                activities = create(vals_list)
                followups = activities.filtered("followup_partner_id")
                seen_in_cache = followups <= customer.followup_activity_ids
                self.env.flush_all()
            return {
                "rows": self._rows(activities),
                "followers": self._followers(customer),
                "next_followup_date": customer.next_followup_date,
                "compliance": self._compliance(customer),
                "bus": sent,
                "seen_in_cache": seen_in_cache,
            }
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT bulk_creation")
            self.env.invalidate_all()

    def _rows(self, activities):
        self.env.cr.execute(
            "SELECT * FROM mail_activity WHERE id = ANY(%s) ORDER BY id",
            [activities.ids],
        )
        return [
            {k: v for k, v in row.items() if k not in OWN_COLUMNS}
            for row in self.env.cr.dictfetchall()
        ]

    def _followers(self, customer):
        """The customer's followers, each with its subtypes."""
        self.env.cr.execute(
            """SELECT follower.partner_id,
                      array_agg(rel.mail_message_subtype_id ORDER BY 1)
                 FROM mail_followers follower
            LEFT JOIN mail_followers_mail_message_subtype_rel rel
                   ON rel.mail_followers_id = follower.id
                WHERE follower.res_model = 'res.partner'
                  AND follower.res_id = %s
             GROUP BY follower.partner_id""",
            [customer.id],
        )
        return dict(self.env.cr.fetchall())

    def _compliance(self, customer):
        self.env.invalidate_all()
        lines = customer.followup_compliance_ids.read(
            ["user_id", "month_date", "required_count", "done_count", "on_time_count"]
        )
        return [{k: v for k, v in line.items() if k != "id"} for line in lines]

    def test_bulk_rows_are_the_rows_of_create(self):
        """A follow-up due today, for a user not yet following the customer:
        every column, the followers with their subtypes, the customer's next
        follow-up date, the compliance figures, the assignee's bus notice."""
        vals_list = [self._followup_values(self.rep_teammate)]
        orm = self._creation(self._orm_create, [dict(v) for v in vals_list])
        bulk = self._creation(
            self.env["mail.activity"]._create_in_bulk, [dict(v) for v in vals_list]
        )
        self.assertTrue(orm["rows"][0]["res_name"])
        self.assertIn("<p>", orm["rows"][0]["note"])
        self.assertIn(self.rep_teammate.partner_id.id, orm["followers"])
        self.assertEqual(orm["next_followup_date"], date(2026, 11, 6))
        self.assertTrue(orm["bus"])
        for key in orm:
            with self.subTest(key=key):
                self.assertEqual(bulk[key], orm[key])

    def test_a_batch_of_activities_on_several_records(self):
        """Follow-ups, a task on a lead and tasks on the customer's contacts
        (one named, one an address without a name: its display name is its
        type's label) at once, three assignees, deadlines given as text: one
        row each, as create gives."""
        lead = self.env["crm.lead"].create(
            self._lead_values("Bulk", self.rep, self.team_east)
        )
        contacts = self.env["res.partner"].create(
            [
                {"name": "Li Na", "parent_id": self.customer_b.id},
                {"type": "invoice", "parent_id": self.customer_b.id},
            ]
        )
        vals_list = [
            self._followup_values(self.rep_teammate),
            {
                **self._followup_values(self.rep, due=date(2026, 11, 20)),
                "followup_slot_date": date(2026, 11, 16),
            },
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": lead.id,
                "user_id": self.team_manager.id,
                "date_deadline": "2026-11-30",
                "summary": "Not a follow-up",
                "activity_type_id": self.plan_b.activity_type_id.id,
            },
            *(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": contact.id,
                    "user_id": self.rep.id,
                    "date_deadline": "2026-11-13",
                    "activity_type_id": self.plan_b.activity_type_id.id,
                }
                for contact in contacts
            ),
        ]
        orm = self._creation(self._orm_create, [dict(v) for v in vals_list])
        bulk = self._creation(
            self.env["mail.activity"]._create_in_bulk, [dict(v) for v in vals_list]
        )
        self.assertEqual(
            [row["res_name"] for row in bulk["rows"][3:]],
            ["Xinhai Logistics, Li Na", "Xinhai Logistics, Invoice Address"],
        )
        self.assertEqual(bulk["rows"], orm["rows"])
        self.assertEqual(bulk["followers"], orm["followers"])
        self.assertEqual(bulk["next_followup_date"], orm["next_followup_date"])
        self.assertEqual(bulk["compliance"], orm["compliance"])
        self.assertTrue(bulk["seen_in_cache"])

    def test_rows_outside_its_bounds_go_through_create(self):
        """An inactive row, an attachment, or a stored computed field the
        addon does not know of (another module's): the batch goes through
        Odoo's create."""
        Activity = self.env["mail.activity"]
        vals = self._followup_values(self.rep)
        self.assertTrue(Activity._can_insert_in_bulk([vals]))
        self.assertFalse(Activity._can_insert_in_bulk([{**vals, "active": False}]))
        self.assertFalse(
            Activity._can_insert_in_bulk([{**vals, "attachment_ids": [(6, 0, [])]}])
        )
        self.assertFalse(Activity._can_insert_in_bulk([{**vals, "res_id": False}]))
        known = mail_activity_bulk.BULK_COMPUTED_FIELDS - {"user_tz"}
        with patch.object(mail_activity_bulk, "BULK_COMPUTED_FIELDS", known):
            self.assertFalse(Activity._can_insert_in_bulk([vals]))
            with freeze_time(FRIDAY_9):
                activity = Activity._create_in_bulk([vals])
        self.assertEqual(activity.followup_slot_date, SLOT[0])
        self.assertEqual(activity.user_tz, self.rep.tz)
        self.assertEqual(activity.res_name, self.customer_b.display_name)
