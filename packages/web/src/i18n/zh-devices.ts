/**
 * 简体中文 of the device and alarm screens (issue 4), the part the shell needs at once (menu,
 * workbench tiles, alarm notices). Merged into zh.ts's sections by index.ts; the screens' own
 * strings are in zh-devices-screens.ts and load with them (devices/strings.ts).
 */
export const zhDevices = {
  nav: {
    alarmBox: '告警待办',
    myDevices: '我的设备',
    devices: '设备管理',
    alarms: '告警中心',
    alarmRules: '告警规则',
    deviceRequests: '解锁与维护审批',
    virtualDevices: '虚拟设备',
  },
  tiles: {
    alarmBox: '在手机上查看待处理的告警，一键远程锁定设备',
    myDevices: '查看我保管印章的智能设备，申请加印油、换章或维修',
    devices: '登记、绑定和停用智能印章设备，查看在线状态与锁定情况',
    alarms: '查看异常用印告警及证据，确认和处理告警',
    alarmRules: '设置本镇各类告警的开关、级别、自动锁定和阈值',
    deviceRequests: '作为第二人审批设备解锁和开箱维护申请',
    virtualDevices: '演示：模拟盖章、开盖、移出围栏、断网等情形',
  },
  alarmLive: {
    raised: '告警（{{severity}}）：{{rule}}（{{org}}）',
    critical: '紧急告警：{{rule}}（{{org}}）',
    open: '查看',
    handle: '立即处理',
  },
  severity: {
    info: '提示',
    warning: '警告',
    critical: '紧急',
  },
  rule: {
    unauthorized_impression: '无授权用印',
    tamper: '设备被拆/印章被取出',
    geofence: '超出电子围栏',
    off_hours: '非工作时间用印',
    offline: '设备离线',
    missed_heartbeats: '心跳中断',
    sequence_gap: '事件序号缺失',
    low_battery: '电量低',
    low_ink: '印油不足',
    page_mismatch: '盖章页与审批页不符',
    burst: '用印频次异常',
    forged_message: '伪造或重放消息',
    clock_skew: '设备时钟偏差',
  },
};
