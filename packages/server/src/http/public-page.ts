// The public check page (证明核验) a bank or a school reaches from a certificate's QR code:
// plain server-rendered HTML in Chinese, no script, readable on a phone. It shows the redacted
// record only — never the villager's name or ID number.
import type { ApplicationStatus, PublicCertificateRecord } from '@cunzhang/core';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[c]!);

// One inline <style>: the server's CSP allows inline styles (style-src 'unsafe-inline') and no
// script at all, which this page does not need.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;background:#f5f5f5;color:#1f1f1f;line-height:1.6}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem}
.card{background:#fff;border-radius:8px;padding:1rem 1.1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.status{display:inline-block;font-size:1.1rem;font-weight:700;padding:.2rem .75rem;border-radius:4px;margin-bottom:.5rem}
.ok{background:#e8f5e9;color:#1b5e20;border:1px solid #81c784}
.wait{background:#fff8e1;color:#7a4f01;border:1px solid #ffd54f}
.bad{background:#ffebee;color:#8e1b1b;border:1px solid #e57373}
dl{display:grid;grid-template-columns:auto 1fr;gap:.45rem .9rem;margin:1rem 0 0}
dt{color:#595959;white-space:nowrap}
dd{margin:0;word-break:break-all}
.note{font-size:.9rem;color:#595959;margin-top:1rem}
form{margin-top:1.25rem;display:flex;gap:.5rem;flex-wrap:wrap}
label{width:100%;color:#595959;font-size:.9rem}
input{flex:1;min-width:12rem;font-size:1.05rem;padding:.45rem .6rem;border:1px solid #bfbfbf;border-radius:4px;letter-spacing:.05em}
button{font-size:1rem;padding:.45rem 1rem;border:0;border-radius:4px;background:#b71c1c;color:#fff}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1rem}
`;

const KIND: Record<ApplicationStatus, 'ok' | 'wait' | 'bad'> = {
  stamped: 'ok', approved: 'wait', pending: 'wait', rejected: 'bad', withdrawn: 'bad', revoked: 'bad', expired: 'bad',
};

const EXPLAIN: Record<ApplicationStatus, string> = {
  stamped: '该证明由本系统开具，用印已经审批并加盖印章。请核对纸质证明上的证明名称、开具单位和日期与下列记录一致。',
  approved: '该证明由本系统开具，用印已批准，尚未盖章。未加盖印章的证明不能作为有效证明使用。',
  pending: '该证明由本系统开具，用印申请尚待审批，尚未盖章。未加盖印章的证明不能作为有效证明使用。',
  rejected: '该证明的用印申请已被驳回，证明无效。',
  withdrawn: '该证明的用印申请已撤回，证明无效。',
  revoked: '该证明的用印授权已作废，证明无效。',
  expired: '该证明的用印申请已过期未办理，证明无效。',
};

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)} · 村章</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

const lookupForm = (value = ''): string => `<form method="get" action="/v">
<label for="code">输入证明上的验证码（12 位，字母不区分大小写）</label>
<input id="code" name="code" value="${escapeHtml(value)}" maxlength="20" autocomplete="off" autocapitalize="characters" spellcheck="false" placeholder="ABCD-EFGH-JKLM">
<button type="submit">核验</button>
</form>`;

const formatDate = (isoDate: string): string => {
  const [y, m, d] = isoDate.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

/** The page for a code that matched a certificate. */
export function renderCheckPage(r: PublicCertificateRecord): string {
  const rows: [string, string][] = [
    ['证明名称', r.title],
    ['开具单位', r.issuer],
    ['所属村（社区）', r.villageName],
    ['使用印章', r.sealName],
    ['开具日期', formatDate(r.issuedDate)],
    ['验证码', r.verifyCode],
  ];
  return page(`证明核验：${r.title}`, `<h1>证明核验结果</h1>
<section class="card">
<div class="status ${KIND[r.status]}">${escapeHtml(r.statusZh)}</div>
<p>${escapeHtml(EXPLAIN[r.status])}</p>
<dl>
${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${k === '验证码' ? `<code>${escapeHtml(v)}</code>` : escapeHtml(v)}</dd>`).join('\n')}
</dl>
<p class="note">为保护个人信息，本页不显示证明中的姓名、身份证号码等内容。如对证明有疑问，请向开具单位或镇经管站核实。</p>
</section>
${lookupForm()}`);
}

/** The page for a code that is malformed or matches nothing (answered with 404). */
export function renderNotFoundPage(typed: string): string {
  const shown = [...typed].slice(0, 40).join('');
  return page('未找到该证明', `<h1>证明核验结果</h1>
<section class="card">
<div class="status bad">未找到该证明：请核对验证码</div>
<p>${shown.trim() ? `系统中没有验证码为 <code>${escapeHtml(shown)}</code> 的证明` : '没有输入验证码'}，<strong>无法确认该证明的真实性</strong>。</p>
<p>验证码印在证明左下角二维码下方，共 12 位，由数字 2–9 和字母（不含 O、I）组成，如 ABCD-EFGH-JKLM。请仔细核对后重新输入；仍查不到的，请向开具单位核实。</p>
</section>
${lookupForm(shown)}`);
}

/** The empty look-up page (/v without a code). */
export function renderLookupPage(): string {
  return page('证明核验', `<h1>证明核验</h1>
<section class="card">
<p>村（社区）开具的证明左下角印有二维码和验证码。扫描二维码，或在下面输入验证码，即可核验证明的真伪和用印状态。</p>
</section>
${lookupForm()}`);
}
