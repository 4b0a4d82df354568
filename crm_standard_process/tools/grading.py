"""The A/B/C grading rule, written once and read both in Python and in SQL.

A: the amount reaches threshold A, or an industry benchmark company;
B: the amount reaches threshold B, or a clear need; C: the rest.
Bounds are inclusive; the thresholds are the company's.

``GRADE_RULE`` is the one source: ``grade_for`` evaluates it on values, and
``grade_sql`` compiles it into a ``CASE`` over columns, so that the Python
compute and the set-based re-grade cannot drift apart (a test compares them
on every combination of inputs).
"""

from odoo.tools import SQL

GRADES = [("a", "A"), ("b", "B"), ("c", "C")]
# How clear the need is: the "clarity" the rule below weighs.
NEED_CLARITIES = [("clear", "Clear"), ("vague", "Vague")]

# Each grade with the conditions that give it (any of them), first match
# wins; the last grade is the rest. A condition is (input, test, operand):
# ``at_least`` compares the amount with a threshold of the company, ``is``
# an input with a constant.
GRADE_RULE = [
    ("a", [("benchmark", "is", True), ("amount", "at_least", "grade_a_threshold")]),
    ("b", [("clarity", "is", "clear"), ("amount", "at_least", "grade_b_threshold")]),
    ("c", []),
]


def grade_for(company, amount, benchmark=False, clarity=False):
    """The grade of these inputs against ``company``'s thresholds."""
    inputs = {"amount": amount or 0.0, "benchmark": benchmark, "clarity": clarity}
    for grade, conditions in GRADE_RULE:
        for name, test, operand in conditions:
            value = inputs[name]
            if test == "at_least" and value >= getattr(company, operand):
                return grade
            if test == "is" and value == operand:
                return grade
    return GRADE_RULE[-1][0]


def grade_sql(amount, company, benchmark=None, clarity=None):
    """The same rule as an SQL expression over the given column expressions;
    ``company`` gives the thresholds, as values or as column expressions.
    An input given as None is absent (a lead has no benchmark flag)."""
    inputs = {
        "amount": SQL("COALESCE(%s, 0)", amount),
        "benchmark": benchmark and SQL("COALESCE(%s, FALSE)", benchmark),
        "clarity": clarity,
    }
    branches = []
    for grade, conditions in GRADE_RULE[:-1]:
        tests = []
        for name, test, operand in conditions:
            value = inputs[name]
            if value is None:
                continue
            if test == "at_least":
                tests.append(SQL("%s >= %s", value, getattr(company, operand)))
            else:
                tests.append(SQL("%s IS NOT DISTINCT FROM %s", value, operand))
        if tests:
            branches.append(
                SQL("WHEN %s THEN %s", SQL("(%s)", SQL(" OR ").join(tests)), grade)
            )
    return SQL("(CASE %s ELSE %s END)", SQL(" ").join(branches), GRADE_RULE[-1][0])
