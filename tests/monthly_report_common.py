"""Fixture of the month-end tests (P7): a small December 2026, computed by hand.

The company works Mon-Fri 8-12/13-17 (UTC). The month-end job runs on
Monday 4 January 2027: December 2026 closes, the fourth quarter is
reviewed, January is provisional. The demo data's months and report rows
are removed first, so that only this story is on the company's record.

::

    team_east (leader team_manager; members rep, rep_teammate)
      customer_a   grade A, industry C, owner rep, active since 2 Nov 2026
      customer_b   grade B, industry C, owner rep, active since 10 Dec 2026
      customer_c   grade C, owner rep_teammate, active since 2 Jan 2027
    team_north (leader sales_admin; member rep_other)
      customer_north  grade B, owner rep_other, active since 1 Jun 2026

    December 2026, by hand
      follow-ups  customer_a 2 required / 2 done / 1 on time (rep)
                  customer_b 4 / 3 / 3 (rep); customer_north 4 / 4 / 4 (rep_other)
      won         lead_won_a (customer_a, rep, 600,000), lead_won_north
                  (customer_north, rep_other); lost lead_lost_a (customer_a, rep)
      tickets     ticket_a: complaint of customer_a received 1 Dec, closed
                  10 Dec, both deadlines met, 1 h / 10 h, satisfaction 5;
                  ticket_b: received 25 Nov, closed 3 Dec, response late,
                  3 h / 20 h, satisfaction 3 (breached); a feedback of
                  customer_a and a complaint of customer_north received in
                  December, open; a cancelled complaint of customer_a.
"""

from datetime import date, datetime

from freezegun import freeze_time

from .common import CrmStandardProcessCase

ADDON = "crm_standard_process"
CLOSING_DAY = datetime(2027, 1, 4, 6, 0)  # Monday, the first run after December
DECEMBER = date(2026, 12, 1)
JANUARY = date(2027, 1, 1)


class MonthlyReportCase(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("DELETE FROM crm_monthly_report")
        cls.env.cr.execute("DELETE FROM crm_monthly_report_month")
        cls.env.invalidate_all()
        cls.company = cls.env.company
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Office hours (UTC)", "tz": "UTC"}
        )
        cls.company.resource_calendar_id = cls.calendar
        cls.industry = cls.env.ref("base.res_partner_industry_C")
        cls.customer_a = cls._customer(
            "Huadong Precision", 800000, cls.rep, cls.team_east, date(2026, 11, 2)
        )
        cls.customer_a.industry_id = cls.industry
        cls.customer_b = cls._customer(
            "Xinhai Logistics", 200000, cls.rep, cls.team_east, date(2026, 12, 10)
        )
        cls.customer_b.industry_id = cls.industry
        cls.customer_c = cls._customer(
            "Lanting Foods", 50000, cls.rep_teammate, cls.team_east, date(2027, 1, 2)
        )
        cls.customer_north = cls._customer(
            "Beifang Steel", 200000, cls.rep_other, cls.team_north, date(2026, 6, 1)
        )
        cls._compliance(cls.customer_a, cls.rep, DECEMBER, 2, 2, 1)
        cls._compliance(cls.customer_b, cls.rep, DECEMBER, 4, 3, 3)
        cls._compliance(cls.customer_north, cls.rep_other, DECEMBER, 4, 4, 4)
        cls._compliance(cls.customer_a, cls.rep, date(2026, 11, 1), 2, 0, 0)
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.lead_won_a = cls._closed_lead(
            cls.customer_a, cls.rep, datetime(2026, 12, 5, 10), won=True, amount=600000
        )
        cls.lead_won_north = cls._closed_lead(
            cls.customer_north, cls.rep_other, datetime(2026, 12, 20, 10), won=True
        )
        cls.lead_lost_a = cls._closed_lead(
            cls.customer_a, cls.rep, datetime(2026, 12, 15, 10), won=False
        )
        cls._closed_lead(  # won in November: another month
            cls.customer_a, cls.rep, datetime(2026, 11, 20, 10), won=True
        )
        cls._closed_lead(  # won on 2 January: another month
            cls.customer_a, cls.rep, datetime(2027, 1, 2, 10), won=True
        )
        cls.ticket_a = cls._ticket(
            cls.customer_a,
            datetime(2026, 12, 1, 9),
            closed=datetime(2026, 12, 10, 9),
            times=(1.0, 10.0),
            met=(True, True),
            score="5",
        )
        cls.ticket_b = cls._ticket(
            cls.customer_b,
            datetime(2026, 11, 25, 9),
            closed=datetime(2026, 12, 3, 9),
            times=(3.0, 20.0),
            met=(False, True),
            score="3",
        )
        cls._ticket(cls.customer_a, datetime(2026, 12, 20, 9), ticket_type="feedback")
        cls._ticket(cls.customer_north, datetime(2026, 12, 28, 9))
        cls._ticket(
            cls.customer_a,
            datetime(2026, 12, 5, 9),
            state="cancelled",
            cancel_reason="Duplicate",
        )

    @classmethod
    def _customer(cls, name, amount, owner, team, activated):
        customer = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "profile_state": "active",
                "user_id": owner.id,
                "team_id": team.id,
                "expected_annual_amount": amount,
            }
        )
        # the engine's field, set as the activation would have; no account
        # manager (a new profile has its owner): the team leader stands in
        customer.write({"activation_date": activated, "account_manager_id": False})
        return customer

    @classmethod
    def _compliance(cls, customer, user, month, required, done, on_time):
        return cls.env["crm.followup.compliance"].create(
            {
                "partner_id": customer.id,
                "user_id": user.id,
                "team_id": customer.team_id.id,
                "company_id": cls.company.id,
                "customer_grade": customer.customer_grade,
                "month_date": month,
                "required_count": required,
                "done_count": done,
                "on_time_count": on_time,
                "compliance_rate": round(100.0 * on_time / required, 1),
            }
        )

    @classmethod
    def _closed_lead(cls, customer, user, when, won, amount=100000):
        values = {
            "name": f"{customer.name} order {when:%Y-%m-%d}",
            "type": "opportunity",
            "partner_id": customer.id,
            "user_id": user.id,
            "team_id": customer.team_id.id,
            "expected_revenue": amount,
        }
        if won:
            values["stage_id"] = cls.won_stage.id
        else:
            values.update(
                active=False,
                probability=0,
                lost_reason_id=cls.env.ref("crm.lost_reason_1").id,
            )
        lead = cls.env["crm.lead"].create(values)
        lead.write({"date_closed": when})
        return lead

    @classmethod
    def _ticket(
        cls,
        customer,
        received,
        closed=None,
        times=(0.0, 0.0),
        met=(False, False),
        score=False,
        **values,
    ):
        with freeze_time(received):
            ticket = cls.env["crm.complaint.ticket"].create(
                {
                    "subject": f"Complaint of {customer.name}",
                    "partner_id": customer.id,
                    "sla_start_date": received,
                    **values,
                }
            )
        if closed:
            ticket.write(
                {
                    "state": "closed",
                    "responded_date": received,
                    "solved_date": closed,
                    "closed_date": closed,
                    "response_time": times[0],
                    "resolution_time": times[1],
                    "response_sla_met": met[0],
                    "resolution_sla_met": met[1],
                    "sla_status": "on_track" if all(met) else "breached",
                    "resolution": "<p>Solved with the customer.</p>",
                    "satisfaction": score,
                }
            )
        return ticket

    @classmethod
    def _log_call(cls, customer, author, when):
        """A call marked done on the customer: a logged customer contact."""
        return cls.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": customer.id,
                "message_type": "notification",
                "subtype_id": cls.env.ref("mail.mt_activities").id,
                "mail_activity_type_id": cls.env.ref("mail.mail_activity_data_call").id,
                "author_id": author.partner_id.id,
                "date": when,
                "body": "<p>Call done.</p>",
            }
        )

    def _run_month_end(self, when):
        """The month-end job, by its method, at ``when``."""
        with freeze_time(when):
            self.env["crm.monthly.report.month"]._cron_month_end()
        self.env.invalidate_all()

    def _rows(self, month=DECEMBER, **domain):
        return self.env["crm.monthly.report"].search(
            [
                ("month_date", "=", month),
                ("team_id", "in", (self.team_east | self.team_north).ids),
                *[(key, "=", value) for key, value in domain.items()],
            ]
        )

    def _month(self, month=DECEMBER):
        return self.env["crm.monthly.report.month"].search(
            [("month_date", "=", month), ("company_id", "=", self.company.id)]
        )
