"""Background work: the job functions (the same ones run by arq and by the inline
queue), the queue implementations and the arq worker settings."""
