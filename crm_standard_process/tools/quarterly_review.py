"""The quarterly review in SQL: every active customer's signals and flags, one UPDATE.

Pure SQL builder (no models), read by ``crm.quarterly.review.mixin``: the
customers of a company, their last contact, ticket scores and breaches, won
revenue over 12 months, and the flags they give, written in one statement
that returns the customers newly at risk (for their team managers' notice).
"""

from odoo.tools import SQL


def review_sql(values):
    """The UPDATE reviewing one company's active customers for a quarter.

    ``values``: ``company`` (id), ``tz``, ``quarter`` (first day), ``last``
    (its last day), ``q_start``/``q_end`` (its UTC bounds), ``p_start`` (the
    previous quarter's start), ``y_start`` (12 months before ``q_end``), the
    company's settings ``silence_days``, ``drop``, ``low_score``,
    ``on_breach``, ``threshold``, ``hv_satisfaction``, and the subtypes
    ``mt_comment``, ``mt_activities``. Returns rows ``(id, team_id)`` of the
    customers newly at risk.
    """
    return SQL(
        """
        WITH customer AS (
            SELECT partner.id, partner.customer_grade,
                   COALESCE(partner.activation_date,
                            partner.create_date::date) AS since,
                   partner.is_churn_risk IS TRUE AS was_churn_risk,
                   partner.is_high_value IS TRUE AS was_high_value
              FROM res_partner partner
             WHERE partner.profile_state = 'active'
               AND partner.active
               AND COALESCE(partner.company_id, partner.grade_company_id)
                   = %(company)s
        ),
        contact AS (
            SELECT partner_id, MAX(day) AS day
              FROM (
                SELECT activity.followup_partner_id AS partner_id,
                       activity.date_done AS day
                  FROM mail_activity activity
                  JOIN customer ON customer.id = activity.followup_partner_id
                 WHERE NOT activity.active
                   AND activity.followup_cancelled IS NOT TRUE
                   AND activity.date_done <= %(last)s
                UNION ALL
                SELECT message.res_id,
                       (message.date AT TIME ZONE 'UTC'
                            AT TIME ZONE %(tz)s)::date
                  FROM mail_message message
                  JOIN customer ON customer.id = message.res_id
                  LEFT JOIN mail_activity_type activity_type
                    ON activity_type.id = message.mail_activity_type_id
                 WHERE message.model = 'res.partner'
                   AND message.date < %(q_end)s
                   AND CASE WHEN message.mail_activity_type_id IS NOT NULL
                            THEN activity_type.is_customer_contact
                                 AND message.subtype_id = %(mt_activities)s
                            ELSE message.message_type IN ('comment', 'email')
                                 AND message.subtype_id = %(mt_comment)s
                       END
                   AND EXISTS (SELECT 1 FROM res_users author
                                WHERE author.partner_id = message.author_id
                                  AND NOT author.share)
                UNION ALL
                SELECT customer.id,
                       (lead.last_followup_date AT TIME ZONE 'UTC'
                            AT TIME ZONE %(tz)s)::date
                  FROM crm_lead lead
                  JOIN res_partner lp
                    ON lp.id = lead.partner_id
                  JOIN customer
                    ON customer.id = COALESCE(lp.commercial_partner_id,
                                              lp.id)
                 WHERE lead.last_followup_date < %(q_end)s
              ) AS contacts
          GROUP BY partner_id
        ),
        ticket AS (
            SELECT customer.id AS partner_id,
                   AVG(t.satisfaction_score) FILTER (
                       WHERE t.closed_date >= %(q_start)s) AS quarter_avg,
                   AVG(t.satisfaction_score) FILTER (
                       WHERE t.closed_date < %(q_start)s
                         AND t.closed_date >= %(p_start)s) AS previous_avg,
                   MIN(t.satisfaction_score) FILTER (
                       WHERE t.closed_date >= %(q_start)s) AS quarter_min,
                   AVG(t.satisfaction_score) AS year_avg
              FROM crm_complaint_ticket t
              JOIN res_partner tp ON tp.id = t.partner_id
              JOIN customer
                ON customer.id = COALESCE(tp.commercial_partner_id,
                                          tp.id)
             WHERE t.state = 'closed'
               AND t.satisfaction_score > 0
               AND t.closed_date >= %(y_start)s
               AND t.closed_date < %(q_end)s
          GROUP BY customer.id
        ),
        breach AS (
            SELECT customer.id AS partner_id,
                   COUNT(*) FILTER (
                       WHERE t.sla_start_date >= %(q_start)s
                          OR t.closed_date >= %(q_start)s
                          OR t.state IN ('new', 'in_progress'))
                       AS quarter_count,
                   COUNT(*) AS year_count
              FROM crm_complaint_ticket t
              JOIN res_partner tp ON tp.id = t.partner_id
              JOIN customer
                ON customer.id = COALESCE(tp.commercial_partner_id,
                                          tp.id)
             WHERE t.sla_status = 'breached'
               AND t.state != 'cancelled'
               AND t.sla_start_date < %(q_end)s
               AND (t.closed_date IS NULL OR t.closed_date >= %(y_start)s)
          GROUP BY customer.id
        ),
        revenue AS (
            SELECT customer.id AS partner_id,
                   SUM(lead.expected_revenue) AS amount
              FROM crm_lead lead
              JOIN crm_stage stage ON stage.id = lead.stage_id
              JOIN res_partner lp ON lp.id = lead.partner_id
              JOIN customer
                ON customer.id = COALESCE(lp.commercial_partner_id,
                                          lp.id)
             WHERE stage.is_won
               AND lead.active
               AND lead.date_closed >= %(y_start)s
               AND lead.date_closed < %(q_end)s
          GROUP BY customer.id
        ),
        review AS (
            SELECT customer.id,
                   customer.was_churn_risk,
                   customer.was_high_value,
                   contact.day AS last_contact,
                   ticket.quarter_avg,
                   ticket.previous_avg,
                   ticket.quarter_min,
                   COALESCE(breach.quarter_count, 0) AS breaches,
                   COALESCE(revenue.amount, 0) AS revenue,
                   %(silence_days)s > 0
                       AND COALESCE(contact.day, customer.since)
                           <= %(last)s - %(silence_days)s AS silence,
                   COALESCE(%(drop)s > 0
                       AND ticket.quarter_avg
                           <= ticket.previous_avg - %(drop)s, FALSE)
                       AS falling,
                   COALESCE(%(low_score)s > 0
                       AND ticket.quarter_min <= %(low_score)s, FALSE)
                       AS low_score,
                   %(on_breach)s AND COALESCE(breach.quarter_count, 0) > 0
                       AS breached,
                   COALESCE(revenue.amount, 0) >= %(threshold)s
                       OR COALESCE(customer.customer_grade = 'a'
                           AND ticket.year_avg >= %(hv_satisfaction)s
                           AND COALESCE(breach.year_count, 0) = 0, FALSE)
                       AS high_value
              FROM customer
              LEFT JOIN contact ON contact.partner_id = customer.id
              LEFT JOIN ticket ON ticket.partner_id = customer.id
              LEFT JOIN breach ON breach.partner_id = customer.id
              LEFT JOIN revenue ON revenue.partner_id = customer.id
        ),
        updated AS (
        UPDATE res_partner partner
           SET last_contact_date = review.last_contact,
               quarterly_review_date = %(quarter)s,
               churn_signal_silence = review.silence,
               churn_signal_satisfaction = review.falling,
               churn_signal_low_score = review.low_score,
               churn_signal_breach = review.breached,
               quarter_satisfaction_avg = review.quarter_avg,
               previous_satisfaction_avg = review.previous_avg,
               quarter_low_score = review.quarter_min,
               quarter_breach_count = review.breaches,
               won_revenue_12m = review.revenue,
               is_churn_risk = review.silence OR review.falling
                               OR review.low_score OR review.breached,
               is_high_value = review.high_value,
               churn_task_pending = partner.churn_task_pending IS TRUE
                   OR ((review.silence OR review.falling OR review.low_score
                        OR review.breached)
                       AND NOT review.was_churn_risk),
               high_value_task_pending = partner.high_value_task_pending IS TRUE
                   OR (review.high_value AND NOT review.was_high_value)
          FROM review
         WHERE partner.id = review.id
             RETURNING partner.id, partner.team_id,
               partner.is_churn_risk AND NOT review.was_churn_risk
                   AS newly_at_risk
        )
        SELECT id, team_id FROM updated WHERE newly_at_risk
        """,
        **values,
    )
