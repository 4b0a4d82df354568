"""18.0.1.2.0: rules whose domain changed; their files are ``noupdate``, so an
upgrade would keep the old domains: the old rules go here and the upgrade
loads them afresh.

- A rep no longer reaches other reps' tickets through the customer's standing
  (issue 10, row 9): the salesman ticket rule becomes "own, handled and own
  customers'" (a new read-only rule, created by the upgrade anyway, gives reps
  the unassigned intake pool).
- The customer rule reads the customer's standing, owner and team stored on
  each partner, no longer through a subquery over every partner, and archived
  customers (P8) leave a rep's reach."""

REPLACED_RULES = (
    "crm_complaint_ticket_rule_salesman",
    "res_partner_rule_customer_profile",
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
