/**
 * Property tests run with one fixed seed, so a run is reproducible and CI is
 * deterministic. Explore other inputs with `FC_SEED=<n> npm test` (or FC_SEED=random).
 */
import fc from "fast-check";

const requested = process.env.FC_SEED;
const seed = requested === "random" ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(requested ?? 6455);
if (requested !== undefined) console.log(`fast-check seed: ${seed}`);
fc.configureGlobal({ seed });
