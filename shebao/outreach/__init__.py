"""政策快送 (proactive outreach): find the people a policy concerns, send each a personal estimate,
and measure what they did.

- :mod:`.catalogue`: the campaigns as data (``campaigns.yaml``: target SQL, message, attachment, waits);
- :mod:`.selection`: the campaigns' SQL run by the batch engine over the registry (``shebao.engines``),
  with the policy engine's retirement calendar as a table;
- :mod:`.reports`: the personal report behind each message (the calculators of ``shebao.policy``),
  as HTML and a one-page PDF, reproducible from the stored inputs;
- :mod:`.delivery` and :mod:`.channels`: the outbox, exactly-once delivery with idempotency keys,
  frequency caps, quiet hours, opt-outs and re-contact waits;
- :mod:`.stats`: targeted, delivered, opened, acted on within 60 days;
- :mod:`.service`: the domain's one face for the CLI, the API and the pages.
"""
