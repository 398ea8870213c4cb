"""course_lib: the small, tested library behind the AI Model Security & Privacy course.

Each module holds one concept and is short enough to read in one sitting; the notebooks in
``notebooks/`` explain what the code here does and why.

- ``config``   FAST mode, seeds, device and thread settings
- ``data``     offline datasets (scikit-learn's bundled sets) and seeded generators
- ``check``    instant feedback on exercises, from a notebook or the shell
- ``plotting`` the course's plot style
- ``metrics``  numbers a notebook records for instructors (full-mode builds)
- ``article``  the source article's code, reproduced *only* to show what is wrong with it
- ``grading``  generating exercises from solutions and grading submissions in bulk
- ``models``   a small MLP builder and a plain training loop
- ``masking``, ``anonymity``   detecting and transforming personal data; k-anonymity and linkage
- ``dp``       mechanisms, calibration, accounting, auditing, DP-SGD
- ``compression``   quantization, pruning, storage formats, latency
- ``attacks``  membership inference, memorisation and auditing, evasion, gradient inversion
- ``federated``   FedAvg, data splits, DP-FedAvg, secure aggregation (and a Flower run)
- ``encrypted``   CKKS inference, Paillier sums, secret-shared computation
- ``report``   report cards of the four evaluation criteria
"""

__version__ = "0.1.0"
