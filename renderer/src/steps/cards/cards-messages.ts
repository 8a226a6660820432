/**
 * Texts of the "Prepare SD cards" step in English and Simplified Chinese. Kept beside the step
 * until they are merged into i18n/messages.ts.
 */
import { useAppStore } from '../../store/app-store';
import { format } from '../../i18n/use-t';

const en = {
  title: 'Prepare SD cards',
  intro:
    'Each node boots from its own card. Write Ubuntu Server for Raspberry Pi onto the cards first (for example with Raspberry Pi Imager), then insert them here one at a time: the app writes the network, login, hosts and cgroup settings for each node, reads them back to check them, and ejects the card.',
  noPlan: 'Save the cluster plan first: the cards are written from it.',
  nodes: 'Cards for the nodes',
  node: 'Node',
  role: 'Role',
  status: 'Card',
  ready: 'Ready ({release}, {time})',
  notReady: 'Not prepared yet',
  prepare: 'Prepare card',
  prepareAgain: 'Prepare again',
  prepareAll: 'Prepare all cards',
  nextCard: 'Next: insert a card for {host} and choose it below.',
  writeAllNow: 'Or write all {count} cards at once…',
  allReady: 'Every card is ready. Put each card into its Pi and power it on.',
  drives: 'Cards in this computer',
  noDrives: 'No card found. Insert an SD card (in Practice mode: put a practice card into a reader).',
  practice: 'Practice',
  content: 'On the card',
  looking: 'Looking…',
  choose: 'Choose for {host}',
  notOffered: 'Not offered ({count})',
  confirmTitle: 'Write to this card?',
  confirmText: 'The boot settings of {host} will be written to {drive} ({device}, {size}). Other files on the card stay as they are.',
  confirmCheck: 'Yes, {device} is the card for {host}',
  confirmManyTitle: 'Write {count} cards at once?',
  confirmManyCheck: 'Yes, each of these cards is for the node next to it',
  confirmLargeCheck: 'I checked: {drives} is far larger than an SD card for a Pi, and it is not a backup or data disk. Write to it anyway.',
  write: 'Write and verify',
  cancel: 'Cancel',
  writing: 'Preparing the card for {host}… follow the progress below.',
  done: 'The card for {host} is ready and verified. {eject} Label it "{host}" so it goes into the right Pi.',
  bus: 'Bus {bus}',
  mountedAt: 'mounted at {paths}',
  notMounted: 'not mounted',
  reports: 'Card reports',
  export: 'Export reports',
  file: 'File',
  bytes: 'Bytes',
  digest: 'SHA-256',
  eject: 'Eject',
};
type CardTexts = typeof en;

const zhCN: CardTexts = {
  title: '准备 SD 卡',
  intro:
    '每个节点从自己的 SD 卡启动。先把 Ubuntu Server for Raspberry Pi 写入卡中（例如用 Raspberry Pi Imager），然后逐张插入：本应用为每个节点写入网络、登录、hosts 和 cgroup 设置，回读校验后弹出卡片。',
  noPlan: '请先保存集群规划：SD 卡的内容来自规划。',
  nodes: '各节点的 SD 卡',
  node: '节点',
  role: '角色',
  status: 'SD 卡',
  ready: '已就绪（{release}，{time}）',
  notReady: '尚未准备',
  prepare: '准备 SD 卡',
  prepareAgain: '重新准备',
  prepareAll: '准备所有 SD 卡',
  nextCard: '下一步：插入 {host} 的 SD 卡，并在下方选择它。',
  writeAllNow: '或者一次写入全部 {count} 张卡…',
  allReady: '所有 SD 卡都已就绪。把每张卡插入对应的树莓派并通电。',
  drives: '本机中的 SD 卡',
  noDrives: '没有找到 SD 卡。请插入 SD 卡（练习模式下：把练习卡插入读卡器）。',
  practice: '练习',
  content: '卡中内容',
  looking: '正在读取…',
  choose: '用于 {host}',
  notOffered: '不可用的驱动器（{count}）',
  confirmTitle: '写入这张 SD 卡？',
  confirmText: '{host} 的启动设置将写入 {drive}（{device}，{size}）。卡上的其他文件保持不变。',
  confirmCheck: '是的，{device} 是 {host} 的 SD 卡',
  confirmManyTitle: '同时写入 {count} 张 SD 卡？',
  confirmManyCheck: '是的，每张卡都属于旁边列出的节点',
  confirmLargeCheck: '我已确认：{drives} 远大于树莓派用的 SD 卡，且不是备份盘或数据盘。仍然写入。',
  write: '写入并校验',
  cancel: '取消',
  writing: '正在为 {host} 准备 SD 卡… 进度见下方。',
  done: '{host} 的 SD 卡已就绪并通过校验。{eject}请在卡上标注“{host}”，以免插错树莓派。',
  bus: '总线 {bus}',
  mountedAt: '挂载于 {paths}',
  notMounted: '未挂载',
  reports: 'SD 卡报告',
  export: '导出报告',
  file: '文件',
  bytes: '字节',
  digest: 'SHA-256',
  eject: '弹出',
};

export type CardTextKey = keyof CardTexts;

export function useCardTexts(): (key: CardTextKey, values?: Record<string, string | number>) => string {
  const language = useAppStore((s) => s.state?.preferences.language ?? 'en');
  const texts = language === 'zh-CN' ? zhCN : en;
  return (key, values) => format(texts[key], values);
}
