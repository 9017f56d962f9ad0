"""Work-injury cases (工伤一件事): determination and disability-grade suggestions from what people
write, with the articles, and the case from report to benefits.

- :mod:`.determination` reads facts from an incident text and applies 工伤保险条例 第十四–十六条
  (the rules themselves are pure law in :mod:`shebao.policy.injury_determination`);
- :mod:`.grading` matches a medical conclusion to the clauses of GB/T 16180-2014 and combines
  several injuries by the standard's 晋级 rule;
- :mod:`.service` keeps the case (deadlines, suggestions, the reviewer's decision, the appraisal,
  the benefits granted through :mod:`shebao.benefits`);
- :mod:`.evaluation` scores both suggestions on the labelled sets under ``tests/injury/data``.
"""
