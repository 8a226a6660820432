/** Texts of the manifest diff a lesson shows before it changes a live object, in English and Simplified Chinese. */
import { catalogue } from '../../i18n/catalogue';

export const messages = catalogue({
  en: {
    'lesson.diff.title': 'What changes',
    'lesson.diff.hint': '{count, plural, one {# line changes} other {# lines change}}: - is what the cluster has now, + what it will have. Click a line to read what that field does.',
    'lesson.diff.none': 'Nothing changes: the cluster already has this.',
    'lesson.diff.added': 'added',
    'lesson.diff.removed': 'removed',
  },
  'zh-CN': {
    'lesson.diff.title': '会改变什么',
    'lesson.diff.hint': '有 {count} 行变化：- 是集群现在的内容，+ 是应用之后的内容。点击任意一行，查看该字段的作用。',
    'lesson.diff.none': '没有变化：集群里已经是这样了。',
    'lesson.diff.added': '新增',
    'lesson.diff.removed': '删除',
  },
});
