"""Attacks that measure whether a protection works.

* :mod:`.membership` — membership inference: scores from logits, the threshold attack (Yeom et al.
  2018), ROC curves, TPR at a fixed FPR with confidence intervals, the membership game;
* :mod:`.shadow` — many small shadow models trained at once (stacked parameters, ``torch.func.vmap``),
  the shadow-model classifier (Shokri et al. 2017) and LiRA (Carlini et al. 2022);
* :mod:`.memorisation` — canary exposure (Carlini et al. 2019) and the one-run audit of a DP claim
  (Steinke, Nasr & Jagielski 2023);
* :mod:`.canaries` — planting secrets in text and a small character model to measure them on;
* :mod:`.lm` — a tiny character GPT, exact and estimated ranks of a secret, greedy and beam extraction,
  untargeted sampling with a reference-model filter (Carlini et al. 2021);
* :mod:`.evasion` — FGSM, PGD and adversarial training (Goodfellow et al. 2015, Madry et al. 2018);
* :mod:`.gradients` — reconstructing training inputs from shared gradients.

Import from the submodule that holds a name (``from course_lib.attacks.membership import tpr_at_fpr``).
"""
