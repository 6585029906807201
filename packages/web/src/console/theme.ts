import type { ThemeConfig } from 'antd';

/**
 * Colours chosen for contrast (WCAG AA, 4.5:1 on white) rather than antd's defaults:
 * the default blue, red and grey secondary text fall short of it.
 */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#0b57d0',
    colorInfo: '#0b57d0',
    colorLink: '#0b57d0',
    // Hover and pressed shades get darker, not lighter, so text on them keeps its contrast.
    colorLinkHover: '#0842a0',
    colorLinkActive: '#06337d',
    colorPrimaryHover: '#0842a0',
    colorPrimaryActive: '#06337d',
    colorErrorHover: '#8c1d18',
    colorErrorActive: '#6e1410',
    colorError: '#b3261e',
    colorSuccess: '#237804',
    colorSuccessBg: '#f0f9eb',
    colorSuccessBorder: '#a9d98b',
    colorWarning: '#ad4e00',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
    borderRadius: 6,
    fontFamily: '-apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Helvetica Neue", Arial, sans-serif',
  },
  components: {
    Layout: { headerBg: '#8c1c13', headerHeight: 56, siderBg: '#ffffff', bodyBg: '#f4f1ec' },
  },
};

/** Tag colours per seal status: white text on a dark fill, all above 4.5:1. */
export const STATUS_COLOR: Record<string, string> = {
  issued: '#5b4a9e',
  filed: '#0b57d0',
  active: '#237804',
  handed_over: '#08797a',
  suspended: '#ad4e00',
  void: '#a8071a',
  retired: '#434343',
};
