"""Spokesperson videos spread over a Ray cluster (`run.py speak --ray`): batch.py runs the batch,
worker.py is what each Ray actor keeps and does."""
