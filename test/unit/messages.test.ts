import { describe, expect, it } from "vitest";
import { localize, pickLanguage } from "../../src/api/messages.js";

describe("Accept-Language", () => {
  it.each([
    [undefined, "en"],
    ["zh-CN", "zh-CN"],
    ["zh", "zh-CN"],
    ["zh-Hans-CN,zh;q=0.9", "zh-CN"],
    ["fr-FR,fr;q=0.9", "en"],
    ["fr;q=0.9, zh-CN;q=0.8, en;q=0.7", "zh-CN"],
    ["en-US,zh-CN;q=0.5", "en"],
    ["zh-CN;q=0, en", "en"],
    ["zh-TW", "en"],
    ["*", "en"],
  ])("%s → %s", (header, expected) => {
    expect(pickLanguage(header)).toBe(expected);
  });

  it("localizes by code, keeping the English specifics, and falls back to English", () => {
    expect(localize("invalid_credentials", "wrong username or password", "zh-CN")).toBe("用户名或密码错误");
    expect(localize("not_found", 'no instance named "x"', "zh-CN")).toBe('资源不存在：no instance named "x"');
    expect(localize("some_new_code", "text", "zh-CN")).toBe("text");
    expect(localize("not_found", "text", "en")).toBe("text");
  });
});
