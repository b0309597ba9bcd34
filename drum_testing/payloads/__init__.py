"""Payload formats: what a request's body becomes for the model, and how its answer is sent.

One module a format: CSV (:mod:`.csv_input`, with a fast path for small numeric ones in
:mod:`.numeric_csv`), Matrix Market and form fields (:mod:`.structured`), unstructured
bodies (:mod:`.unstructured`), predictions (:mod:`.predictions`), the ``/transform/`` form
(:mod:`.transform`) and chat answers (:mod:`.chat`).
"""
