"""18.0.1.2.0: the follow-up plan follows the customer's *confirmed* grade,
no longer the grade in force. Before, a grade change moved the plan at once,
confirmed or not: the grade the plan in force was approved for is, in
effect, the one the customer was being followed up at. It becomes the
confirmed grade, so that the upgrade moves no plan; a grade in force that
differs shows "to confirm" for a manager."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE res_partner
           SET confirmed_grade = followup_plan_grade
         WHERE profile_state = 'active'
           AND followup_plan_grade IS NOT NULL
           AND confirmed_grade IS DISTINCT FROM followup_plan_grade
        """
    )
