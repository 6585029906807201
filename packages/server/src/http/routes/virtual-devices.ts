import { AppError, hasPermission } from '@cunzhang/core';
import type { EmulatedDevice } from '@cunzhang/device';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEMO_HOME } from '../../demo/virtual-devices.js';
import type { AppContext } from '../context.js';
import { requireAuth } from '../session.js';

const ACTIONS = ['code', 'stamp', 'stamp_other_page', 'force_stamp', 'open_case', 'close_case', 'remove_seal', 'return_seal', 'shock', 'leave_fence', 'return_home', 'offline', 'online'] as const;

/** What the panel shows of an emulated device: its own view of itself, not the platform's. */
function panelView(d: EmulatedDevice, label: string, orgCode: string) {
  const s = d.status();
  return {
    id: s.dev, label, orgCode, state: s.state, online: s.connected, battery: s.battery, ink: s.ink, position: { latE6: s.position.lat_e6, lngE6: s.position.lng_e6 },
    caseOpen: s.caseOpen, sealRemoved: s.sealRemoved, buffered: s.buffered, photosPending: s.photosPending,
    authorization: s.auth ? { auth: s.auth, used: s.used, allowed: s.allowed, until: s.until, identity: s.identity } : null,
  };
}

/**
 * 虚拟设备 (demo mode): the panel that plays the part of the people at a device — type the
 * code, press the seal, open the case, carry it off, cut its network. Each action goes through
 * the emulator, which speaks the real protocol to the platform.
 */
export const virtualDeviceRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps } = ctx;
  const tags = ['demo'];
  const visible = async (req: Parameters<typeof requireAuth>[1]) => {
    const { actor } = await requireAuth(deps, req);
    if (!ctx.virtual) throw new AppError('NOT_FOUND', 'no virtual devices: the server is not in demo mode (CUNZHANG_DEMO, CUNZHANG_VIRTUAL_DEVICES)');
    const out: { device: EmulatedDevice; label: string; orgCode: string }[] = [];
    for (const [id, device] of ctx.virtual.devices) {
      const row = await deps.uow.read((tx) => tx.devices.get(id));
      if (row && row.status !== 'retired' && hasPermission(actor, 'device.read', row.orgCode)) out.push({ device, label: row.label, orgCode: row.orgCode });
    }
    return out;
  };
  app.get('/api/demo/devices', { schema: { tags, summary: 'The emulated demo devices this person may see (demo mode only)' } }, async (req) => {
    return (await visible(req)).map((v) => panelView(v.device, v.label, v.orgCode));
  });
  app.post('/api/demo/devices/:id/actions', {
    schema: {
      tags, summary: 'Act at an emulated device: code, stamp, tamper, move, cut or restore its network',
      params: z.strictObject({ id: z.string().min(1).max(32) }),
      body: z.strictObject({ action: z.enum(ACTIONS), code: z.string().regex(/^\d{6}$/, 'the one-time code is 6 digits').optional() }),
    },
  }, async (req) => {
    const v = (await visible(req)).find((x) => x.device.status().dev === req.params.id);
    if (!v) throw new AppError('NOT_FOUND', `virtual device ${req.params.id} not found`, { field: 'id' });
    const d = v.device;
    const { action, code } = req.body;
    let ok = true;
    let message = '';
    switch (action) {
      case 'code': {
        if (!code) throw new AppError('VALIDATION', 'code: type the 6-digit code shown on the applicant\'s phone', { field: 'code' });
        const r = d.enterCode(code);
        ok = r.ok;
        message = r.ok ? 'identity confirmed' : r.reason;
        break;
      }
      case 'stamp':
      case 'stamp_other_page':
      case 'force_stamp': {
        const r = action === 'force_stamp' ? await d.forceStamp() : await d.stamp({ page: action === 'stamp' ? 'approved' : 'different' });
        ok = r.ok;
        message = r.ok ? `impression ${r.n} made (#${r.seq})` : r.reason;
        break;
      }
      case 'open_case': d.openCase(); break;
      case 'close_case': d.closeCase(); break;
      case 'remove_seal': d.removeSeal(); break;
      case 'return_seal': d.returnSeal(); break;
      case 'shock': d.shock(); break;
      // 1 km north: well outside the demo fence.
      case 'leave_fence': d.moveTo(DEMO_HOME.lat_e6 + 9_000, DEMO_HOME.lng_e6); break;
      case 'return_home': d.moveTo(DEMO_HOME.lat_e6, DEMO_HOME.lng_e6); break;
      case 'offline': d.goOffline(); break;
      case 'online': d.goOnline(); break;
    }
    return { ok, message, device: panelView(d, v.label, v.orgCode) };
  });
};
