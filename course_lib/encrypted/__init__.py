"""Computing on data nobody shows: homomorphic encryption and secure multi-party computation.

**What they protect.** Homomorphic encryption (HE) lets a server compute on ciphertexts: the
client's *inputs* stay encrypted in transit, at rest and during the computation, and so do all
*intermediate values*; only the holder of the secret key can read the result. Secure multi-party
computation (MPC) splits every value into random shares held by different parties: no single party
learns the inputs, the *model* (when the model owner shares its weights) or any intermediate value,
as long as the parties do not collude.

**What they do not protect.** The *output*. Whoever decrypts or opens the result sees exactly what a
plaintext model would have shown — so membership inference, model extraction and inversion attacks on
outputs work unchanged (notebook 11 measures it). Nor do they protect against a party that deviates
from the protocol (the constructions here are for honest-but-curious parties), against collusion
(the server with the key holder; the MPC parties with each other or with the dealer), or against
what the *model* memorised from its training data: that needs differential privacy. And they cost:
CKKS is approximate (every result carries noise of about ``1/Δ``), non-linear functions need
polynomial approximations that hold only on an interval, and ciphertexts are large and slow.

Modules:

* :mod:`.ckks` — encrypted logistic-regression inference with CKKS (TenSEAL): contexts with stated
  parameters, column (SIMD) and row layouts, the sigmoid after decryption or as a cubic inside CKKS,
  ciphertext sizes and timings;
* :mod:`.paillier` — secure sum with Paillier (phe): fixed-point encoding, the homomorphic sum, and
  packing several values per ciphertext with an overflow bound;
* :mod:`.mpc` — two-party additive secret sharing over Z_2⁶⁴: share/reconstruct, addition, Beaver-triple
  multiplication from a trusted dealer, fixed-point truncation, secret-shared logistic-regression
  inference with its error bound.

Production tools (not installed here): OpenFHE (CKKS, BFV, BGV, TFHE in C++), Zama's Concrete ML
(scikit-learn-like models compiled to TFHE), Meta's CrypTen (PyTorch on secret shares), MP-SPDZ.

References:
    P. Paillier. Public-key cryptosystems based on composite degree residuosity classes. EUROCRYPT 1999.
    D. Beaver. Efficient multiparty protocols using circuit randomization. CRYPTO 1991.
    J. H. Cheon, A. Kim, M. Kim, Y. Song. Homomorphic encryption for arithmetic of approximate numbers.
    ASIACRYPT 2017.
    P. Mohassel, Y. Zhang. SecureML: a system for scalable privacy-preserving machine learning. S&P 2017.
    R. Gilad-Bachrach et al. CryptoNets: applying neural networks to encrypted data with high throughput
    and accuracy. ICML 2016.
"""

from . import ckks, mpc, paillier  # ckks imports TenSEAL only when called: the others work without it

__all__ = ["ckks", "mpc", "paillier"]
