"""The diffusion noise schedule of the shapes model (SD's): scaled_linear betas 0.00085 .. 0.012, 1000 steps,
epsilon prediction; Euler sigmas as diffusers' EulerDiscreteScheduler computes them."""
import numpy as np
import torch


class Schedule:
    """scaled_linear betas (0.00085 .. 0.012), 1000 steps, epsilon prediction."""
    def __init__(self, n=1000, beta_start=0.00085, beta_end=0.012):
        self.n = n
        self.beta_start, self.beta_end = beta_start, beta_end
        betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, n, dtype=torch.float64) ** 2
        self.alphas_cumprod = torch.cumprod(1.0 - betas, 0)
        self.sigmas_all = ((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5  # float64 [1000]
        self.log_sigmas = self.sigmas_all.log()

    def euler_sigmas(self, steps):
        """diffusers EulerDiscreteScheduler, timestep_spacing 'linspace', interpolation 'linear':
        timesteps = linspace(0, n-1, steps)[::-1]; sigmas interpolated at those (fractional) timesteps; append 0."""
        ts = np.linspace(0, self.n - 1, steps, dtype=np.float64)[::-1].copy()
        sig = self.sigmas_all.numpy()
        s = np.interp(ts, np.arange(self.n), sig)
        sigmas = np.concatenate([s, [0.0]]).astype(np.float32)
        return torch.from_numpy(sigmas), torch.from_numpy(ts.astype(np.float32))

    def sigma_to_t(self, sigma):
        """Fractional timestep for a sigma by linear interpolation in log-sigma (as diffusers/k-diffusion)."""
        ls = np.log(max(float(sigma), 1e-10))
        lsig = self.log_sigmas.numpy()
        return float(np.interp(ls, lsig, np.arange(self.n)))
