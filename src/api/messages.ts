/**
 * Error messages in Simplified Chinese, by error code. English is the default and the source text; a
 * `{detail}` placeholder takes the English specifics (names, ids) of the error at hand.
 */
const ZH_CN: Record<string, string> = {
  unauthenticated: "需要登录，或以 Bearer 方式提供 API 密钥（{detail}）",
  session_expired: "会话已结束，请重新登录（{detail}）",
  invalid_credentials: "用户名或密码错误",
  invalid_code: "验证码错误或已被使用",
  challenge_expired: "登录耗时过长，请重新开始",
  account_locked: "登录失败次数过多，账户已被暂时锁定",
  account_disabled: "账户已被停用",
  password_change_required: "请先修改密码",
  two_factor_required: "你的角色要求启用双因素认证，请先完成绑定",
  permission_denied: "权限不足：{detail}",
  forbidden: "禁止操作：{detail}",
  csrf_failed: "缺少或错误的 X-CSRF-Token 请求头",
  not_found: "资源不存在：{detail}",
  conflict: "操作冲突：{detail}",
  validation_failed: "请求参数无效",
  weak_password: "密码不符合安全策略：{detail}",
  wrong_password: "密码错误",
  already_enrolled: "已启用双因素认证，请先关闭",
  no_user: "该凭据没有对应的用户账户",
  unknown_department: "部门不存在：{detail}",
  unknown_parent: "上级部门不存在：{detail}",
  unknown_role: "角色不存在：{detail}",
  department_cycle: "部门不能移动到自身之下",
  rate_limited: "请求过于频繁：{detail}",
  shutting_down: "服务器正在关闭",
  uri_too_long: "URL 过长",
  bad_url: "URL 格式错误",
  internal: "服务器内部错误",
};

export type Language = "en" | "zh-CN";

/** The best supported language of an Accept-Language header (q-values honoured); English otherwise. */
export function pickLanguage(header: string | undefined): Language {
  if (!header) return "en";
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag, ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag ?? "", q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === "en" || tag.startsWith("en-")) return "en";
    if (
      tag === "zh" ||
      tag === "zh-cn" ||
      tag === "zh-hans" ||
      tag.startsWith("zh-hans-") ||
      tag === "zh-sg"
    ) {
      return "zh-CN";
    }
  }
  return "en";
}

export function localize(code: string, english: string, language: Language): string {
  if (language === "en") return english;
  const template = ZH_CN[code];
  return template ? template.replace("{detail}", english) : english;
}
