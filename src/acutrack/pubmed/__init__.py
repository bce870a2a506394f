"""PubMed: talking to NCBI and reading its records.

Owns the E-utilities client (``entrez``: Bio.Entrez with the API key, retries and rate),
the XML and MEDLINE parser (``records``), an update or an import into the store (``sync``),
reference lists and their look-up (``references``, ``verify``) and editing the conditions'
queries checked against PubMed (``queryedit``).

May import: the core (``article``, ``config``, ``errors``, ``fileio``, ``flags``),
``evidence`` and the store's public API (``acutrack.store``). Never the views, ``digest``
or ``cli``: what to print about an update is the views' job.
"""
