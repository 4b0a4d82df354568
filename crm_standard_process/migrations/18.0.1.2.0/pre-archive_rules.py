"""18.0.1.2.0: archived customers (P8) leave a rep's reach. The customer rule's
file is ``noupdate``, so an upgrade would keep the old domain: the old rule
goes here and the upgrade loads it afresh."""

REPLACED_RULES = ("res_partner_rule_customer_profile",)


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
