import fc from "fast-check";

// In CI the property tests replay one fixed seed (FC_SEED to change it): a submission's result
// must not depend on the draw. Locally every run explores new cases.
if (process.env.CI) fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
