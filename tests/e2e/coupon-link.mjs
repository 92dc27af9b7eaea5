// A link with a coupon landing section, shared by the workerd and the browser suites.
import { demoLink } from './harness.mjs';

export const DAY = 86_400_000;
export const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The demo link with a `landing` section expiring in two days (fields overridable). */
export const couponLink = (landing = {}, extra = {}) => {
  const link = demoLink();
  link.landing = {
    title: 'Welcome back',
    amount: '¥30',
    terms: 'Orders over ¥100.\nOne per person.',
    expires_at: iso(Date.now() + 2 * DAY + 3_600_000),
    brand_color: '#e4393c',
    ...landing,
  };
  return { ...link, ...extra };
};
