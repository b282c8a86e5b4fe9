import { createLink } from "@tanstack/react-router";
import clsx from "clsx";
import { type AnchorHTMLAttributes, forwardRef } from "react";

const look = {
  primary: "bg-indigo-600 text-white hover:bg-indigo-500",
  secondary:
    "border border-slate-300 bg-white text-slate-800 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700",
};

const Anchor = forwardRef<
  HTMLAnchorElement,
  AnchorHTMLAttributes<HTMLAnchorElement> & { variant?: keyof typeof look }
>(({ variant = "secondary", className, ...rest }, ref) => (
  <a
    ref={ref}
    {...rest}
    className={clsx(
      "inline-flex items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium transition",
      look[variant],
      className,
    )}
  />
));

/** A router link that looks like the kit's Button (a link inside a button is not valid HTML). */
export const ButtonLink = createLink(Anchor);
