"""acutrack: track what PubMed holds on acupuncture for autoimmune disease."""
