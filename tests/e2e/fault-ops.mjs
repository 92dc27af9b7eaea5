// The ops worker behind the fault-injection wrapper (see fault-worker.mjs); tests only.
import App from '../../build/ops/index.js';
import { faultWrapper } from './fault-worker.mjs';

export default faultWrapper(App);
// Durable Object classes are named by wrangler.ops.toml and must come from the main module.
export { CampaignStore } from '../../build/ops/index.js';
