-- strikebot schema v3: an index for /top (the largest attacks). Active rows
-- in launched order, period_end carried along, so the top N of a long window
-- is read from the index front without a sort.

CREATE INDEX summaries_active_launched ON summaries (launched DESC, id) INCLUDE (period_end)
    WHERE status = 'active';
