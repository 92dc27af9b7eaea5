import type { StartOptions, OpenAppOptions, PlatformInfo } from './wakelink.js';
export type { StartOptions, OpenAppOptions, PlatformInfo };

/** Loads the SDK (once) and binds it to the click the page was opened from. */
export function init(options: StartOptions): Promise<void>;
/** Reports a funnel step (landing_view, coupon_view, coupon_claim, … or x:name). */
export function track(step: string, props?: Record<string, string | number | boolean>): boolean;
/** Universal link or deep link first, the store after a timeout if the page stays visible. */
export function openApp(options: OpenAppOptions): Promise<'app' | 'store' | 'none'>;
/** This device as the wakelink edge classifies it. */
export function platform(): PlatformInfo;
/** In a web app opened by a wakelink app-open URL: reports app_opened for the click it names. */
export function openedFrom(url: string): boolean;
