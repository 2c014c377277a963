"""Reply quality in the mailbox: the scores of `classifier.reply_quality`, stored and shown.

A reply is scored when a handler drafts it (`services.reply_quality_store`, called by
`services.handling.case_draft_reply` in the same transaction); a reworked reply is a new draft
and is scored again. Scores live on the `Reply` row (`quality_*` fields) and are shown to staff
only — the head's approvals, the platform's review queue, the case page and the API for staff —
never to the citizen or the public. A weak reply is flagged, not blocked: the reviewer decides.

Modules: `scoring` (parameters from the settings, the lazily built scorer, the reasons in the
reader's language), `services` (writes: store a score, rescore replies — `manage.py
score_replies`), `selectors` (reads: a reply's quality for display, the per-department figures
for leaders), `serializers` (the `quality` object of the staff API), `apis` (the figures,
GET /api/insights/reply-quality/). Pages: `frontend/templates/frontend/_reply_quality.html`
(approvals, reviews, case page) and `frontend/views/reply_quality.py` (the dashboard section).
"""
