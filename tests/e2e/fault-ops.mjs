// The ops worker behind the fault-injection wrapper (see fault-worker.mjs); tests only.
import App from '../../build/ops/index.js';
import { faultWrapper } from './fault-worker.mjs';

export default faultWrapper(App);
