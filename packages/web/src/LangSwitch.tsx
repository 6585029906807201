import { useTranslation } from 'react-i18next';
import { currentLang, setLang } from './i18n';

/** 中文 / English. The label is written in the language it switches to. */
export function LangSwitch({ className }: { className?: string }) {
  const { t, i18n } = useTranslation();
  const next = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <button type="button" className={className} lang={next} data-testid="lang-switch" title={t('common.switchToLabel')}
      onClick={() => setLang(currentLang() === 'en' ? 'zh-CN' : 'en')}>
      {t('common.switchTo')}
    </button>
  );
}
