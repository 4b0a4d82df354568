"""18.0.1.2.0: a rep no longer reaches other reps' tickets through the
customer's standing (issue 10, row 9). The salesman ticket rule becomes "own,
handled and own customers'", and a new read-only rule gives reps the
unassigned intake pool. Their file is ``noupdate``, so an upgrade would keep
the old domain: the old rule goes here and the upgrade loads it afresh (the
pool rule, new, is created by the upgrade anyway)."""

REPLACED_RULES = ("crm_complaint_ticket_rule_salesman",)


def migrate(cr, version):
    cr.execute(
        """
        WITH replaced AS (
            DELETE FROM ir_model_data
             WHERE module = 'crm_standard_process'
               AND model = 'ir.rule'
               AND name IN %s
         RETURNING res_id
        )
        DELETE FROM ir_rule WHERE id IN (SELECT res_id FROM replaced)
        """,
        (REPLACED_RULES,),
    )
