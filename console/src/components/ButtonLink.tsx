import { createLink } from "@tanstack/react-router";
import clsx from "clsx";
import { type AnchorHTMLAttributes, forwardRef } from "react";
import { buttonBase, type Variant, variants } from "./ui";

const Anchor = forwardRef<HTMLAnchorElement, AnchorHTMLAttributes<HTMLAnchorElement> & { variant?: Variant }>(
  ({ variant = "secondary", className, ...rest }, ref) => (
    <a ref={ref} {...rest} className={clsx(buttonBase, variants[variant], className)} />
  ),
);

/** A router link that looks like the kit's Button (a link inside a button is not valid HTML). */
export const ButtonLink = createLink(Anchor);
