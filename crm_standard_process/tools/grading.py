"""The A/B/C grading rule, once, for Python and for set-based SQL.

A: the amount reaches threshold A, or an industry benchmark company;
B: the amount reaches threshold B, or a clear need; C: the rest.
Bounds are inclusive; the thresholds are the company's.
"""

from odoo.tools import SQL

GRADES = [("a", "A"), ("b", "B"), ("c", "C")]
# How clear the need is: the "clarity" the rule below weighs.
NEED_CLARITIES = [("clear", "Clear"), ("vague", "Vague")]


def grade_for(company, amount, benchmark=False, clarity=False):
    if benchmark or (amount or 0.0) >= company.grade_a_threshold:
        return "a"
    if clarity == "clear" or (amount or 0.0) >= company.grade_b_threshold:
        return "b"
    return "c"


def grade_sql(amount, company, benchmark=None, clarity=None):
    """The same rule as an SQL expression over the given column expressions."""
    is_a = SQL("COALESCE(%s, 0) >= %s", amount, company.grade_a_threshold)
    if benchmark is not None:
        is_a = SQL("(COALESCE(%s, FALSE) OR %s)", benchmark, is_a)
    is_b = SQL("COALESCE(%s, 0) >= %s", amount, company.grade_b_threshold)
    if clarity is not None:
        is_b = SQL("(%s = 'clear' OR %s)", clarity, is_b)
    return SQL("CASE WHEN %s THEN 'a' WHEN %s THEN 'b' ELSE 'c' END", is_a, is_b)
