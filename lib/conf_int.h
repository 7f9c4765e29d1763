/*
 * NAME
 *	conf_int - what conf.c and conf_value.c share; not for the programs
 *	(use conf.h)
 */
#ifndef EDEFTER_CONF_INT_H
#define EDEFTER_CONF_INT_H

#include "buf.h"
#include "conf.h"

int	split_list(const char *, struct conf_list *);
int	split_clist(const char *, struct conf_list *);
void	free_list(struct conf_list *);
int	check_bounce(const char *, struct buf *);
int	check_ca_file(const char *, struct buf *);
int	check_from(const char *, struct buf *);
int	check_notify(const char *, struct buf *);
int	check_password_file(const char *, struct buf *);
int	check_socket(const char *, struct buf *);
int	check_submit(const char *, struct buf *);
int	check_submit_user(const char *, struct buf *);
int	check_trusted(const char *, struct buf *);
int	check_url(const char *, struct buf *);
int	check_user(const char *, struct buf *);

#endif
