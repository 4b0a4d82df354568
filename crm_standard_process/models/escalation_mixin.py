"""The escalation ladder: who is told, rung after rung, when a deadline passes.

One engine for every ladder of the addon: the complaint tickets' SLA ladder
(owner and handler, team manager, sales admins) and the leads' stale ladder
(salesperson, team manager, back to the pool, and the nurture touches). A
model says when its next rung falls due (a stored, indexed moment,
``_escalation_due_field``), which rungs are due, who hears of each and in
which words; the engine claims the due records in batches (``FOR UPDATE SKIP
LOCKED``: two cron workers never take the same record), fires their rungs in
a few batched statements (the activities in each recipient's language, one
chatter note per record), lets the model record how far it went, and reports
its progress. A record that fails is marked for a later retry by the model;
the rest of the batch goes on.
"""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.cron_batch import run_in_savepoints

_logger = logging.getLogger(__name__)


class CrmEscalationMixin(models.AbstractModel):
    _name = "crm.escalation.mixin"
    _description = "Escalation Ladder"

    # The stored, indexed moment the record's next rung falls due; empty when
    # none will.
    _escalation_due_field = "next_escalation_date"

    # the ladder, as each model defines it

    def _escalation_due_rungs(self, now):
        """The rungs of this record due at ``now``, lowest first."""
        raise NotImplementedError

    def _escalation_recipients(self, rung):
        """The users told at ``rung`` of this record."""
        raise NotImplementedError

    def _escalation_activity_values(self, rung, user, now):
        """The activity telling ``user`` of ``rung``, in the context's
        language (the recipient's): a dict with at least its type and
        summary."""
        raise NotImplementedError

    def _escalation_note(self, rungs, told, now):
        """The chatter note of ``rungs`` fired on this record, ``told`` the
        users who heard of them, in the context's language; None for none."""
        return None

    def _escalation_people(self):
        """The users these records' ladders may tell, read once a batch."""
        return self.user_id

    def _escalation_note_user(self):
        """Whose language the chatter note is written in."""
        return self.user_id

    def _escalation_advance(self, rungs, now):
        """Record that these records went up their ladder: ``rungs`` maps
        each record to the rungs fired on it."""
        raise NotImplementedError

    def _escalation_retry(self, now):
        """This record failed to escalate: mark it to be tried again later,
        so that the run goes on without it."""
        raise NotImplementedError

    def _escalation_nothing_due(self, now):
        """These records were claimed with no rung due: their stored moment is
        behind their ladder (a setting changed behind the ORM's back). Compute
        the moment again; those still due are tried again later, as a failed
        record is, so that no call claims them again and again."""
        field = self._fields[self._escalation_due_field]
        if field.compute and field.store:
            self.env.add_to_compute(field, self)
        stuck = self.filtered(
            lambda record: record[field.name] and record[field.name] <= now
        )
        if stuck:
            stuck._escalation_retry(now)

    # the engine

    @api.model
    def _run_escalations(self, now=None, batch_size=500):
        """Fire the rungs that fell due, one batch, and report the progress:
        Odoo's cron runner commits and calls again while records remain."""
        now = now or fields.Datetime.now()
        records = self._claim_due_escalations(now, batch_size)
        done, _failed = run_in_savepoints(
            self.env,
            records,
            lambda batch: batch._escalate(now),
            lambda record: record._escalation_retry(now),
            _logger,
            lambda record: f"Escalating {record._name} {record.id}",
        )
        self.env["ir.cron"]._notify_progress(
            done=len(done), remaining=self._count_due_escalations(now)
        )
        return done

    @api.model
    def _escalation_due_where(self, now):
        due = SQL.identifier(self._table, self._escalation_due_field)
        return SQL("%s <= %s", due, now)

    @api.model
    def _claim_due_escalations(self, now, limit):
        """The next due records, locked for this transaction; rows another
        transaction holds are skipped, not waited for."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE %s ORDER BY %s, id LIMIT %s"
                " FOR UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                self._escalation_due_where(now),
                SQL.identifier(self._table, self._escalation_due_field),
                limit,
            )
        )
        return self.browse(row[0] for row in rows)

    @api.model
    def _count_due_escalations(self, now):
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM %s WHERE %s",
                SQL.identifier(self._table),
                self._escalation_due_where(now),
            )
        )[0][0]

    def _escalate(self, now):
        """Fire the due rungs of these records in a few batched statements:
        one create of the activities, one batch of notes, the model's own
        record of the rungs fired."""
        activities, notes, fired = [], {}, {}
        model_id = self.env["ir.model"]._get_id(self._name)
        # read once for the batch what is read of each person told
        people = self._escalation_people()
        people.fetch(["active", "share", "company_ids", "partner_id"])
        people.partner_id.fetch(
            ["lang", "tz"]
        )  # a user's lang and tz are their partner's
        idle = self.browse()
        for record in self:
            rungs = record._escalation_due_rungs(now)
            if not rungs:
                idle |= record
                continue
            fired[record] = rungs
            told = self.env["res.users"]
            for rung in rungs:
                for user in record._escalation_recipients(rung) - told:
                    told |= user
                    in_their_words = record.with_context(
                        lang=user.lang or self.env.lang, tz=user.tz
                    )
                    activities.append(
                        {
                            "res_model_id": model_id,
                            "res_id": record.id,
                            "user_id": user.id,
                            "date_deadline": fields.Date.context_today(in_their_words),
                            **in_their_words._escalation_activity_values(
                                rung, user, now
                            ),
                        }
                    )
            reader = record._escalation_note_user()
            note = record.with_context(
                lang=reader.lang or self.env.lang, tz=reader.tz
            )._escalation_note(rungs, told, now)
            if note:
                notes[record.id] = note
        self.env["mail.activity"]._create_in_bulk(activities)
        if notes:
            self.browse(list(notes))._message_log_in_bulk(notes)
        if fired:
            self._escalation_advance(fired, now)
        if idle:
            idle._escalation_nothing_due(now)
