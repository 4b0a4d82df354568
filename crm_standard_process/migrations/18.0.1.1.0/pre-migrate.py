"""18.0.1.1.0: the rep and team-manager ticket rules read the customer's owner,
team and standing stored on the ticket, no longer through res_partner (which
PostgreSQL scanned whole). Their file is ``noupdate``, so an upgrade would keep
the old domains: the old rules go here and the upgrade loads them afresh."""

REPLACED_RULES = (
    "crm_complaint_ticket_rule_salesman",
    "crm_complaint_ticket_rule_team_manager",
)


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
