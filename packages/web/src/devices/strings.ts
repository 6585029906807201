import i18next from 'i18next';

let loading: Promise<void> | null = null;

/**
 * Adds the device screens' strings (both languages) to i18next, once. They stay out of the
 * first screen's bundle: each device screen's lazy import waits for this before it renders.
 */
export function loadDeviceStrings(): Promise<void> {
  loading ??= Promise.all([
    import('../i18n/zh-devices-screens'), import('../i18n/zh-alarms-screens'), import('../i18n/en-devices-screens'), import('../i18n/en-alarms-screens'),
  ]).then(([zhD, zhA, enD, enA]) => {
    i18next.addResourceBundle('zh-CN', 'translation', { ...zhD.zhDeviceScreens, ...zhA.zhAlarmScreens }, true, false);
    i18next.addResourceBundle('en', 'translation', { ...enD.enDeviceScreens, ...enA.enAlarmScreens }, true, false);
  });
  loading.catch(() => {
    // A failed download (network) is tried again by the next screen that asks.
    loading = null;
  });
  return loading;
}

/** A lazy screen's import that also brings the device strings. */
export function withDeviceStrings<M>(load: () => Promise<M>): () => Promise<M> {
  return async () => (await Promise.all([load(), loadDeviceStrings()]))[0];
}
